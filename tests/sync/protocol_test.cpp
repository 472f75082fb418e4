#include <catch2/catch.hpp>

#include <cctype>

#include "base/digest.h"
#include "storage/journal.h"
#include "hq/store.h"
#include "sync/outbox.h"
#include "sync/protocol.h"
#include "tests/support/postgres.h"
#include "tests/support/temp_dir.h"

using namespace posd;
using json = nlohmann::json;

namespace {

struct SentStore {
  test::TempDir dir;
  std::unique_ptr<Journal> journal;
  explicit SentStore(const std::string& id, int sales) {
    auto j = Journal::open({.db_path = dir.file("s.db"), .store_id = id});
    REQUIRE(j);
    journal = std::move(*j);
    for (int i = 0; i < sales; ++i) REQUIRE(journal->append(Entry{"sale", {{"total", 100 + i}}}));
  }
  // Events from..to (inclusive) as a batch.
  sync::JournalBatch batch(uint64_t from, uint64_t to) {
    auto db = sql::Db::open(journal->db_path(), sql::Db::Mode::read_only);
    sync::JournalBatch b{journal->store_id(), {}};
    REQUIRE(scan_journal(*db, from, [&](const Event& e) {
      if (e.seq <= to) b.events.push_back(e);
      return Status::ok();
    }));
    return b;
  }
};

}  // namespace

TEST_CASE("messages round-trip through their JSON envelopes", "[protocol]") {
  SentStore s("S1", 2);
  auto b = s.batch(1, 3);
  auto back = sync::decode(sync::encode(b));
  REQUIRE(back);
  auto& batch = std::get<sync::JournalBatch>(*back);
  CHECK(batch.store_id == "S1");
  REQUIRE(batch.events.size() == 3);
  CHECK(batch.events[2].hash == b.events[2].hash);
  auto ack = sync::decode(sync::encode(sync::Ack{"S1", "journal_ack", 3}));
  CHECK(std::get<sync::Ack>(*ack).seq == 3);
  CHECK(std::get<sync::Ack>(*ack).type == "journal_ack");
  CHECK(std::get<sync::Ack>(*ack).hash.empty());  // an HQ that sends no hash is still understood
  auto with_hash = sync::decode(sync::encode(sync::Ack{"S1", "journal_ack", 3, b.events[2].hash}));
  CHECK(std::get<sync::Ack>(*with_hash).hash == b.events[2].hash);
  std::string upper = b.events[2].hash;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& bad : {R"({"v":1,"type":"journal_ack","store_id":"S1","seq":3,"hash":")" + upper + "\"}",
                                 std::string(R"({"v":1,"type":"journal_ack","store_id":"S1","seq":3,"hash":"abc"})"),
                                 R"({"v":1,"type":"down_ack","store_id":"S1","seq":3,"hash":")" + b.events[2].hash + "\"}"}) {
    auto refused = sync::decode(bad);
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.status().message(), Catch::Contains("64 lower-case hex digits, on a journal_ack"));
  }
  auto hello = sync::decode(sync::encode(sync::Hello{"S1", 9, 4, 2}));
  CHECK(std::get<sync::Hello>(*hello).hq_acked_seq == 4);
  auto down = sync::decode(sync::encode(sync::DownEntry{"S1", 7, "price", {{"sku", "PEN"}, {"price", 209}}}));
  CHECK(std::get<sync::DownEntry>(*down).body["price"] == 209);
  CHECK(sync::Topics{"posd", "S1"}.up_journal() == "posd/S1/up/journal");
}

TEST_CASE("a down-log entry sent as HQ stored it is the message encode() makes, byte for byte", "[protocol]") {
  const json body = {{"items", {{{"sku", "ÄPFEL \"bio\""}, {"name", "tab\tnew\nline \\ €"}, {"price", 289}}}}};
  const sync::StoredDownEntry stored{"S\"1\\", 42, "catalog_\"upsert", body.dump()};
  REQUIRE(sync::check_stored_body(stored));
  CHECK(sync::encode_down(stored) == sync::encode(sync::DownEntry{"S\"1\\", 42, "catalog_\"upsert", body}));
  auto decoded = sync::decode(sync::encode_down(stored));
  REQUIRE(decoded);
  CHECK(std::get<sync::DownEntry>(*decoded).body == body);
  for (const std::string bad : {"", "{", "{\"sku\":", "[1,2]", "\"text\"", "{\"a\":1}x", " {}"}) {
    INFO(bad);
    const Status s = sync::check_stored_body({"S1", 7, "price", bad});
    CHECK(s.code() == Status::Code::corruption);
    CHECK(s.message() == "HQ's down-log entry 7 of S1 is not a JSON object");
  }
}

TEST_CASE("a batch encoded from the events as stored is the batch encode() makes, byte for byte", "[protocol]") {
  test::TempDir dir;
  auto j = Journal::open({.db_path = dir.file("s.db"), .store_id = "S\"1"});
  REQUIRE(j);
  REQUIRE((*j)->append(Entry{"sale", {{"lines", {{{"sku", "ÄPFEL \"bio\""}, {"qty", 2}}}}, {"total", 398}}}));
  REQUIRE((*j)->append(Entry{"note", {{"text", "tab\tnew\nline \\ €"}}}));
  auto db = sql::Db::open((*j)->db_path(), sql::Db::Mode::read_only);
  sync::Outbox outbox(*db);
  sync::JournalBatch parsed{"S\"1", {}};
  REQUIRE(scan_journal(*db, 1, [&](const Event& e) {
    parsed.events.push_back(e);
    return Status::ok();
  }));
  auto stored = outbox.read_stored(1, 10);
  REQUIRE(stored);
  REQUIRE(stored->size() == 3);
  CHECK(sync::encode_journal("S\"1", *stored) == sync::encode(parsed));
  SECTION("and it stops at the limit, and when the bytes pass the bound after the first event") {
    CHECK(outbox.read_stored(2, 1)->size() == 1);
    CHECK(outbox.read_stored(1, 10, 1)->size() == 1);
    CHECK(outbox.read_stored(4, 10)->empty());
  }
  SECTION("a row changed behind the journal's back is refused by seq, never sent") {
    auto rw = sql::Db::open((*j)->db_path());
    REQUIRE(rw->exec("DROP TRIGGER IF EXISTS journal_no_update; UPDATE journal SET payload = replace(payload, '398', '399') WHERE seq = 2"));
    auto refused = outbox.read_stored(1, 10);
    REQUIRE_FALSE(refused);
    CHECK(refused.status().code() == Status::Code::corruption);
    CHECK(refused.status().message() == "seq 2: hash mismatch (the row was changed)");
  }
}

TEST_CASE("posd's own journal message is read in one pass, keeps each payload's text, and decodes as any other form of it does", "[protocol]") {
  test::TempDir dir;
  auto j = Journal::open({.db_path = dir.file("s.db"), .store_id = "S1"});
  REQUIRE(j);
  REQUIRE((*j)->append(Entry{"sale", {{"lines", {{{"sku", "ÄPFEL \"bio\""}, {"qty", 2}}}}, {"total", 398}, {"change", -2}}}));
  REQUIRE((*j)->append(Entry{"note", {{"text", "tab\tnew\nline \\ € \x01"}, {"empty", json::object()}, {"none", nullptr}}}));
  auto db = sql::Db::open((*j)->db_path(), sql::Db::Mode::read_only);
  sync::Outbox outbox(*db);
  auto stored = outbox.read_stored(1, 10);
  REQUIRE(stored);
  const std::string message = sync::encode_journal("S1", *stored);
  auto fast = sync::decode(message);
  auto any = sync::decode_any_form(message);
  REQUIRE(fast);
  REQUIRE(any);
  const auto& batch = std::get<sync::JournalBatch>(*fast);
  const auto& general = std::get<sync::JournalBatch>(*any);
  CHECK(general.payload_texts.empty());
  REQUIRE(batch.events.size() == 3);
  REQUIRE(batch.payload_texts.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(batch.events[i].to_json() == general.events[i].to_json());
    CHECK(batch.payload_texts[i] == (*stored)[i].payload);
    CHECK(batch.payload_texts[i] == general.events[i].payload.dump());
  }
  CHECK(batch.store_id == general.store_id);
  SECTION("the same message in another form goes the general way, to the same batch") {
    for (const std::string& other : {json::parse(message).dump(2), message.substr(0, message.size() - 1) + ",\"via\":\"x\"}"}) {
      auto m = sync::decode(other);
      REQUIRE(m);
      const auto& b = std::get<sync::JournalBatch>(*m);
      CHECK(b.payload_texts.empty());
      REQUIRE(b.events.size() == 3);
      for (size_t i = 0; i < 3; ++i) CHECK(b.events[i].to_json() == general.events[i].to_json());
    }
  }
  SECTION("and a payload in another form inside it too: its text is never taken for the dump") {
    std::string spaced = message;
    const std::string sale = "{\"change\":-2,";
    REQUIRE(spaced.find(sale) != std::string::npos);
    spaced.replace(spaced.find(sale), sale.size(), "{\"change\": -2,");
    auto m = sync::decode(spaced);
    REQUIRE(m);
    CHECK(std::get<sync::JournalBatch>(*m).payload_texts.empty());
    CHECK(std::get<sync::JournalBatch>(*m).events[1].payload == general.events[1].payload);
  }
}

TEST_CASE("undecodable messages say precisely why", "[protocol]") {
  struct Row { std::string payload; const char* error; };
  const std::vector<Row> rows = {
      {"\x01\x02garbage", "not JSON (at byte 1)"},
      {R"({"v":1e999,"type":"hello","store_id":"S1"})", "not JSON: a number out of range"},
      {R"({"v":1,"type":"hello","store_id":"S1","store_id":"S2"})", "duplicate key \"store_id\""},
      {R"({"v":1,"type":"journal","store_id":"S1","events":[{"seq":1,"seq":2}]})", "duplicate key \"seq\" in /events"},
      {R"({"v":1,"type":"journal","store_id":"S1","events":[{"seq":1,"ts":"","business_day":"","type":"","payload":{},"prev_hash":"","hash":"","signature":"","via":"x"}]})",
       "events[0]: unknown field \"via\""},
      {"[1,2]", "not a JSON object"},
      {R"({"type":"hello","store_id":"S1"})", "missing protocol version \"v\""},
      {R"({"v":2,"type":"hello","store_id":"S1"})", "unknown protocol version 2"},
      {R"({"v":1,"type":"gossip","store_id":"S1"})", "unknown message type \"gossip\""},
      {R"({"v":1,"type":"hello"})", "missing \"store_id\""},
      {R"({"v":1,"type":"journal_ack","store_id":"S1","seq":-1})", "\"seq\" must be a non-negative integer"},
      {R"({"v":1,"type":"journal","store_id":"S1","events":[]})", "a journal batch holds at least one event"},
      {R"({"v":1,"type":"journal","store_id":"S1","events":[{"seq":1}]})", "events[0]: missing \"ts\""},
      {R"({"v":1,"type":"down","store_id":"S1","hq_seq":0,"kind":"price","body":{}})", "\"hq_seq\" starts at 1"},
      {R"({"v":1,"type":"down","store_id":"S1","hq_seq":3,"kind":"price","body":[]})", "missing \"body\" object"},
  };
  for (const Row& r : rows) {
    INFO(r.payload);
    auto m = sync::decode(r.payload);
    REQUIRE_FALSE(m);
    CHECK(m.status().message() == r.error);
  }
}

TEST_CASE("HQ holds each (store, seq) once and acks cumulatively", "[ledger]") {
  SentStore s("S1", 9);  // seq 1..10
  test::TempDir hq;
  auto ledger = hq::open_store(test::hq_database(hq.path()));
  REQUIRE(ledger);
  REQUIRE((*ledger)->register_store("S1", s.journal->public_key().pem()));

  auto r1 = (*ledger)->receive("S1", s.batch(1, 4));
  REQUIRE(r1);
  CHECK(r1->acked_seq == 4);
  CHECK(r1->stored == 4);

  SECTION("a re-sent batch is harmless") {
    auto again = (*ledger)->receive("S1", s.batch(1, 6));
    CHECK(again->duplicates == 4);
    CHECK(again->stored == 2);
    CHECK(again->acked_seq == 6);
  }
  SECTION("a gap is never acked; the re-send fills it") {
    auto gap = (*ledger)->receive("S1", s.batch(7, 10));
    CHECK(gap->stored == 0);
    CHECK(gap->acked_seq == 4);
    CHECK(gap->rejected.empty());
    CHECK((*ledger)->receive("S1", s.batch(5, 10))->acked_seq == 10);
    auto report = (*ledger)->report("S1");
    CHECK((*report)["events"] == 10);
    CHECK((*report)["sales"] == 9);
    CHECK((*report)["sales_total"] == 900 + 36);
  }
}

TEST_CASE("forged batches are rejected, reported, and harm nothing", "[ledger]") {
  SentStore s("S1", 5), other("S2", 5);
  test::TempDir hq;
  auto ledger = hq::open_store(test::hq_database(hq.path()));
  REQUIRE((*ledger)->register_store("S1", s.journal->public_key().pem()));
  REQUIRE((*ledger)->register_store("S2", other.journal->public_key().pem()));
  REQUIRE((*ledger)->receive("S1", s.batch(1, 3))->acked_seq == 3);
  uint64_t held = 3;  // what HQ holds after each forgery

  SECTION("a bad signature") {
    auto b = s.batch(4, 6);
    b.events[0].payload["total"] = 1;
    b.events[0].hash = chain_hash(b.events[0]);  // an honest hash, but no key to sign it
    CHECK((*ledger)->receive("S1", b)->rejected == "seq 4: bad signature");
    CHECK((*(*ledger)->report("S1"))["rejected"][0]["reason"] == "seq 4: bad signature");
  }
  SECTION("a bad signature on the event that seals the batch: the events before it are kept") {
    auto b = s.batch(4, 6);
    b.events[2].signature = b.events[1].signature;  // right form, wrong value
    auto r = (*ledger)->receive("S1", b);
    CHECK(r->rejected == "seq 6: bad signature");
    CHECK(r->stored == 2);
    held = 5;
  }
  SECTION("a signature that is not even hex") {
    auto b = s.batch(4, 6);
    b.events[1].signature = "zz";
    CHECK((*ledger)->receive("S1", b)->rejected == "seq 5: signature is not 128 lower-case hex digits");
    held = 4;
  }
  SECTION("a signature in upper case: one value, one spelling") {
    auto b = s.batch(4, 6);
    for (char& c : b.events[1].signature) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK((*ledger)->receive("S1", b)->rejected == "seq 5: signature is not 128 lower-case hex digits");
    held = 4;
  }
  SECTION("another store's events on this store's topic") {
    CHECK_THAT((*ledger)->receive("S1", other.batch(4, 6))->rejected, Catch::Contains("arrived on the topic of \"S1\""));
    auto relabelled = other.batch(4, 6);
    relabelled.store_id = "S1";
    CHECK_THAT((*ledger)->receive("S1", relabelled)->rejected, Catch::StartsWith("seq 4: prev_hash does not match"));
  }
  SECTION("a different event under a held seq") {
    auto b = s.batch(2, 3);
    b.events[1].signature = b.events[0].signature;
    b.events[1].hash = std::string(64, 'f');
    CHECK((*ledger)->receive("S1", b)->rejected == "seq 3: differs from the event HQ holds");
    CHECK((*(*ledger)->report("S1"))["rejected"].size() == 1);
    CHECK((*(*ledger)->report("S1"))["alarms"][0]["reason"] == "seq 3: differs from the event HQ holds: the store's journal was rewritten");
  }
  SECTION("the store's own key re-signs a rewritten continuation: a tampering alarm") {
    auto key = StoreKey::load_or_create(s.journal->db_path() + ".key", s.journal->db_path() + ".pub");
    REQUIRE(key);
    auto b = s.batch(4, 4);
    b.events[0].prev_hash = std::string(64, 'c');  // the rewritten seq 3 behind it
    b.events[0].payload["total"] = 1;
    b.events[0].hash = chain_hash(b.events[0]);
    b.events[0].signature = to_hex(key->sign(*from_hex(b.events[0].hash)));
    CHECK((*ledger)->receive("S1", b)->rejected == "seq 4: prev_hash does not match the hash of seq 3");
    auto alarms = (*(*ledger)->report("S1"))["alarms"];
    REQUIRE(alarms.size() == 1);
    CHECK(alarms[0]["reason"] == "seq 4: the store signed an event that does not follow seq 3 as HQ holds it: its journal was rewritten");
  }
  SECTION("a relabelled foreign batch is rejected but raises no alarm") {
    auto relabelled = other.batch(4, 6);
    relabelled.store_id = "S1";
    (*ledger)->receive("S1", relabelled);
    CHECK((*(*ledger)->report("S1"))["alarms"].empty());
  }
  SECTION("an unknown store") {
    CHECK((*ledger)->receive("S9", s.batch(1, 1))->rejected == "unknown store \"S9\"");
  }
  CHECK(*(*ledger)->acked_seq("S1") == held);
  CHECK((*ledger)->receive("S1", s.batch(4, 6))->acked_seq == 6);  // the honest store carries on
  CHECK_FALSE((*ledger)->register_store("S1", other.journal->public_key().pem()));
}
