// HqStore on either backend (POSD_HQ_BACKEND picks it; the suite runs the
// [ledger] cases on both): several connections at once, as several posd-hq
// instances are, and the schema's versions. [postgres] cases always use it.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "hq/store.h"
#include "storage/journal.h"
#include "storage/sqlite.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/sync/hq_open.h"

using namespace posd;
using json = nlohmann::json;
using test::events_from;
using test::open_hq;

namespace {

// A store's journal of `events` signed events, and all of them as one batch.
sync::JournalBatch journal_of(const test::TempDir& dir, const std::string& id, int sales, std::string& pem) {
  auto j = Journal::open({.db_path = dir.file(id + ".db"), .store_id = id});
  REQUIRE(j);
  for (int i = 0; i < sales; ++i) REQUIRE((*j)->append(Entry{"sale", {{"total", 100 + i}}}));
  pem = (*j)->public_key().pem();
  auto db = sql::Db::open((*j)->db_path(), sql::Db::Mode::read_only);
  sync::JournalBatch b{id, {}};
  REQUIRE(scan_journal(*db, 1, [&](const Event& e) {
    b.events.push_back(e);
    return Status::ok();
  }));
  return b;
}

}  // namespace

TEST_CASE("two instances appending to one store's down-log at once keep hq_seq gap-free and in each one's order", "[ledger]") {
  test::TempDir dir;
  const std::string url = test::hq_database(dir.path());
  open_hq(url);  // the schema, once
  constexpr int kEach = 150;
  // Catch2 asserts on the test's thread only: the threads report a Status.
  auto append = [&](const std::string& who, Status& outcome) {
    auto hq = hq::open_store(url);
    if (!hq) return void(outcome = hq.status());
    for (int i = 0; i < kEach && outcome; ++i) {
      outcome = (*hq)->down_append("S1", {{"price", json{{"sku", who}, {"price", i}}}, {"price", json{{"sku", who}, {"price", i}}}}).status();
    }
  };
  Status in_a, in_b;
  std::thread a(append, "A", std::ref(in_a)), b(append, "B", std::ref(in_b));
  a.join();
  b.join();
  INFO(in_a.message() << in_b.message());
  REQUIRE(in_a);
  REQUIRE(in_b);
  auto hq = open_hq(url);
  REQUIRE(*hq->down_head("S1") == 4 * kEach);
  auto entries = hq->down_read("S1", 1, 10 * kEach);
  REQUIRE(entries);
  REQUIRE(entries->size() == 4 * kEach);
  std::map<std::string, int> next{{"A", 0}, {"B", 0}};
  for (size_t i = 0; i < entries->size(); i += 2) {
    const auto& e = (*entries)[i];
    const auto& twin = (*entries)[i + 1];
    CHECK(e.hq_seq == i + 1);
    CHECK(twin.hq_seq == i + 2);
    CHECK(twin.body == e.body);  // one append's two entries stay together
    const json body = json::parse(e.body);
    CHECK(body["price"] == next[body["sku"]]++);
  }
  CHECK(next["A"] == kEach);
  CHECK(next["B"] == kEach);
}

TEST_CASE("one batch taken by two instances at once is stored once and acked by both", "[ledger]") {
  test::TempDir dir;
  const std::string url = test::hq_database(dir.path());
  std::string pem;
  const auto batch = journal_of(dir, "S1", 199, pem);  // seq 1..200
  open_hq(url)->register_store("S1", pem);
  std::vector<hq::Received> got(2);
  std::vector<Status> outcome(2);
  // Catch2 asserts on the test's thread only: the threads report a Status.
  auto take = [&](int who) {
    auto hq = hq::open_store(url);
    if (!hq) return void(outcome[who] = hq.status());
    // The same events in overlapping batches, as a store re-sends them.
    for (size_t from = 0; from < batch.events.size(); from += 20) {
      sync::JournalBatch part{"S1", {}};
      for (size_t k = from; k < std::min(batch.events.size(), from + 40); ++k) part.events.push_back(batch.events[k]);
      auto r = (*hq)->receive("S1", part);
      if (!r) return void(outcome[who] = r.status());
      if (!r->rejected.empty()) return void(outcome[who] = Status::corruption(r->rejected));
      got[who].stored += r->stored;
      got[who].acked_seq = r->acked_seq;
    }
  };
  std::thread a(take, 0), b(take, 1);
  a.join();
  b.join();
  INFO(outcome[0].message() << outcome[1].message());
  REQUIRE(outcome[0]);
  REQUIRE(outcome[1]);
  CHECK(got[0].stored + got[1].stored == 200);
  CHECK(got[0].acked_seq == 200);
  CHECK(got[1].acked_seq == 200);
  auto hq = open_hq(url);
  auto held = hq->events("S1", 0, 1000);
  REQUIRE(held);
  REQUIRE(held->size() == 200);
  for (size_t i = 0; i < held->size(); ++i) {
    CHECK((*held)[i].seq == i + 1);  // in the order stored: the chain's order
    CHECK((*held)[i].hash == batch.events[i].hash);
  }
  CHECK((*hq->report("S1"))["rejected"].empty());
}

TEST_CASE("batches from several stores in one group commit are each answered as alone, and a bad one harms none of the others", "[ledger]") {
  test::TempDir dir;
  const std::string url = test::hq_database(dir.path());
  std::map<std::string, sync::JournalBatch> journals;
  auto hq = open_hq(url);
  for (const char* id : {"S1", "S2", "S3"}) {
    std::string pem;
    journals[id] = journal_of(dir, id, 30, pem);  // seq 1..31
    REQUIRE(hq->register_store(id, pem));
  }
  auto part = [&](const std::string& id, size_t from, size_t to) {
    sync::JournalBatch b{id, {}};
    for (size_t k = from; k < to; ++k) b.events.push_back(journals[id].events[k]);
    return b;
  };
  auto forged = part("S2", 10, 20);
  forged.events[3].payload["total"] = 1;  // seq 14 no longer hashes to what it says
  // Arrival order: S3 first, a store's two batches in order, S2's forged
  // batch between its good ones, an unknown store, a batch on another's topic.
  const std::vector<hq::Arrived> group{
      {"S3", part("S3", 0, 31)}, {"S1", part("S1", 0, 10)}, {"S2", part("S2", 0, 10)},
      {"S2", forged},            {"S1", part("S1", 10, 31)}, {"S9", part("S1", 0, 5)},
      {"S3", part("S1", 0, 5)}};
  auto got = hq->receive_group(group);
  REQUIRE(got.size() == group.size());
  for (const auto& r : got) REQUIRE(r);
  CHECK(got[0]->acked_seq == 31);
  CHECK(got[0]->stored == 31);
  CHECK(got[1]->acked_seq == 10);
  CHECK(got[2]->acked_seq == 10);
  CHECK(got[3]->acked_seq == 13);  // kept up to the bad event, checked one by one
  CHECK(got[3]->rejected.find("seq 14") != std::string::npos);
  CHECK(got[4]->acked_seq == 31);  // the same store's later batch sees the earlier one
  CHECK(got[4]->stored == 21);
  CHECK(got[5]->unknown_store);
  CHECK(!got[6]->rejected.empty());
  CHECK_FALSE(got[6]->unknown_store);
  // What was answered is what another connection reads: committed, once.
  auto other = open_hq(url);
  for (const auto& [id, held_seq] : std::map<std::string, uint64_t>{{"S1", 31}, {"S2", 13}, {"S3", 31}}) {
    auto held = other->events(id, 0, 100);
    REQUIRE(held);
    REQUIRE(held->size() == held_seq);
    for (size_t i = 0; i < held->size(); ++i) CHECK((*held)[i].hash == journals[id].events[i].hash);
  }
  CHECK((*other->report("S2"))["rejected"].size() == 1);
  CHECK((*other->report("S3"))["rejected"].size() == 1);
}

TEST_CASE("an HQ database from before schema versions opens at the current version with its data, and a newer one is refused", "[ledger]") {
  test::TempDir dir;
  const std::string url = test::hq_database(dir.path());
  std::string pem;
  const auto batch = journal_of(dir, "S1", 4, pem);
  if (!test::hq_on_postgres()) {
    // Wave 1's HQ file: its tables, no version.
    auto db = sql::Db::open(url);
    REQUIRE(db);
    REQUIRE(db->exec(
        "CREATE TABLE hq_store (store_id TEXT PRIMARY KEY, public_key TEXT NOT NULL, acked_seq INTEGER NOT NULL DEFAULT 0,"
        " last_hash TEXT NOT NULL) STRICT;"
        "CREATE TABLE hq_event (store_id TEXT NOT NULL, seq INTEGER NOT NULL, ts TEXT NOT NULL, business_day TEXT NOT NULL,"
        " type TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, signature TEXT NOT NULL,"
        " PRIMARY KEY (store_id, seq)) STRICT;"
        "CREATE TABLE hq_down (store_id TEXT NOT NULL, hq_seq INTEGER NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL,"
        " at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), PRIMARY KEY (store_id, hq_seq)) STRICT;"
        "INSERT INTO hq_down (store_id, hq_seq, kind, body) VALUES ('S1', 1, 'price', '{\"sku\":\"PEN\",\"price\":5}');"));
    REQUIRE(db->query_int("PRAGMA user_version").value() == 0);
  }
  {
    auto hq = open_hq(url);
    REQUIRE(hq->register_store("S1", pem));
    REQUIRE(hq->receive("S1", batch)->acked_seq == 5);
    if (!test::hq_on_postgres()) CHECK(*hq->down_head("S1") == 1);  // the old file's entry is still there
  }
  // The version is recorded: opened again, nothing is migrated twice.
  auto again = open_hq(url);
  CHECK(*again->acked_seq("S1") == 5);
  if (test::hq_on_postgres()) {
    auto psql = test::run({"psql", url, "-tAc", "SELECT string_agg(version::text, ',') FROM hq_schema", "-X"});
    CHECK(psql.out == "1,2,3,4\n");
    REQUIRE(test::run({"psql", "-X", url, "-c", "INSERT INTO hq_schema VALUES (99)"}).exit_code == 0);
  } else {
    auto db = sql::Db::open(url);
    CHECK(db->query_int("PRAGMA user_version").value() == 4);
    REQUIRE(db->exec("PRAGMA user_version = 99"));
  }
  auto newer = hq::open_store(url);
  REQUIRE_FALSE(newer);
  CHECK(newer.status().message() == "HQ's database is at schema version 99, newer than this posd-hq knows");
}

TEST_CASE("a version 1 HQ database opens at version 2 with every store's down-log head beside its ack", "[ledger]") {
  test::TempDir dir;
  const std::string url = test::hq_database(dir.path());
  open_hq(url);  // the current schema, then taken back to version 1 as wave 2's first posd-hq left it
  const std::string back_to_1 =
      "ALTER TABLE hq_down_ack DROP COLUMN head;"
      "INSERT INTO hq_down (store_id, hq_seq, kind, body, at) VALUES ('S1', 1, 'price', '{}', 'x'), ('S1', 2, 'price', '{}', 'x'),"
      " ('S1', 3, 'price', '{}', 'x'), ('S2', 1, 'price', '{}', 'x');"
      "INSERT INTO hq_down_ack (store_id, acked) VALUES ('S1', 2);";
  if (test::hq_on_postgres()) {
    const std::string without_3 =
        "DROP TABLE hq_stock, hq_sales, hq_down_outcome, hq_reservation, hq_change, hq_change_store, hq_catalog_sku;"
        "DROP INDEX hq_rejected_store; DROP TABLE hq_feed;";
    auto psql = test::run({"psql", "-X", url, "-v", "ON_ERROR_STOP=1", "-c",
                           back_to_1 + without_3 + "DELETE FROM hq_schema WHERE version IN (2, 3, 4)"});
    REQUIRE(psql.exit_code == 0);
  } else {
    auto db = sql::Db::open(url);
    REQUIRE(db->exec(back_to_1 + "PRAGMA user_version = 1"));
  }
  auto hq = open_hq(url);
  CHECK(*hq->down_head("S1") == 3);
  CHECK(*hq->down_head("S2") == 1);
  CHECK(*hq->down_head("S3") == 0);
  CHECK(*hq->down_acked("S1") == 2);
  CHECK(*hq->down_heads() == std::map<std::string, uint64_t>{{"S1", 3}, {"S2", 1}});
  // Appends keep the head; the next entry follows it.
  CHECK(*hq->down_append("S2", {{"price", json{{"sku", "PEN"}}}}) == 2);
  CHECK(*hq->down_heads() == std::map<std::string, uint64_t>{{"S1", 3}, {"S2", 2}});
  CHECK_FALSE(hq->down_ack("S2", 3));
  CHECK(hq->down_ack("S2", 2));
  CHECK(*hq->down_acked("S2") == 2);
}

TEST_CASE("the same entries appended to many stores at once follow each store's own head, in one transaction", "[ledger]") {
  test::TempDir dir;
  auto hq = open_hq(test::hq_database(dir.path()));
  REQUIRE(*hq->down_append("S2", {{"price", json{{"sku", "A"}}}, {"price", json{{"sku", "B"}}}}) == 2);
  auto last = hq->down_append_to({"S3", "S2", "S1"}, {{"price", json{{"sku", "PEN"}, {"price", 5}}}});
  REQUIRE(last);
  CHECK(*last == std::vector<uint64_t>{1, 3, 1});  // in the order asked
  CHECK(*hq->down_heads() == std::map<std::string, uint64_t>{{"S1", 1}, {"S2", 3}, {"S3", 1}});
  auto s2 = hq->down_read("S2", 3, 10);
  REQUIRE(s2);
  REQUIRE(s2->size() == 1);
  CHECK((*s2)[0].body == json({{"sku", "PEN"}, {"price", 5}}).dump());
}

TEST_CASE("every store's new down-log entries come in one read, and every store's ack goes in one write that refuses an ack beyond the head", "[ledger]") {
  test::TempDir dir;
  auto hq = open_hq(test::hq_database(dir.path()));
  const std::string odd = "S\"4\\x";  // quotes and backslashes survive the arrays
  REQUIRE(hq->down_append_to({"S1", "S2", odd}, {{"price", json{{"sku", "A"}}}, {"price", json{{"sku", "B"}}},
                                                  {"price", json{{"sku", "C"}}}}));
  REQUIRE(*hq->down_append("S1", {{"price", json{{"sku", "D"}}}}) == 4);
  auto read = hq->down_read_all({{"S1", 2}, {"S2", 4}, {odd, 1}, {"S9", 1}}, 2);
  REQUIRE(read);
  REQUIRE(read->size() == 2);  // S2 has nothing from 4, S9 nothing at all
  const auto& s1 = read->at("S1");
  REQUIRE(s1.size() == 2);  // the limit, per store
  CHECK(s1[0].hq_seq == 2);
  CHECK(s1[1].hq_seq == 3);
  CHECK(s1[1].body == json({{"sku", "C"}}).dump());
  CHECK(s1[0].store_id == "S1");
  const auto& four = read->at(odd);
  REQUIRE(four.size() == 2);
  CHECK(four[0].hq_seq == 1);
  CHECK(four[0].store_id == odd);

  auto refused = hq->down_ack_all({{"S1", 4}, {"S2", 9}, {odd, 2}, {"S9", 1}});
  REQUIRE(refused);
  CHECK(*refused == std::vector<std::string>{"S2", "S9"});  // beyond the head; no down-log
  CHECK(*hq->down_acked("S1") == 4);
  CHECK(*hq->down_acked("S2") == 0);
  CHECK(*hq->down_acked(odd) == 2);
  REQUIRE(hq->down_ack_all({{"S1", 1}}));  // cumulative: an older ack moves nothing back
  CHECK(*hq->down_acked("S1") == 4);
}

TEST_CASE("a down-log entry cut short behind HQ's back is refused as corruption, naming it, and holds up its own store only", "[ledger]") {
  test::TempDir dir;
  const std::string url = test::hq_database(dir.path());
  auto hq = open_hq(url);
  REQUIRE(*hq->down_append("S1", {{"price", json{{"sku", "A"}, {"price", 1}}}, {"price", json{{"sku", "B"}, {"price", 2}}},
                                  {"price", json{{"sku", "C"}, {"price", 3}}}}) == 3);
  REQUIRE(*hq->down_append("S2", {{"price", json{{"sku", "A"}, {"price", 1}}}}) == 1);
  const std::string tamper = "UPDATE hq_down SET body = '{\"sku\":\"B\",\"price\":' WHERE store_id = 'S1' AND hq_seq = 2";
  if (test::hq_on_postgres()) {
    REQUIRE(test::run({"psql", "-X", url, "-c", tamper}).exit_code == 0);
  } else {
    auto db = sql::Db::open(url);
    REQUIRE(db);
    REQUIRE(db->exec(tamper));
  }
  auto first = hq->down_read("S1", 1, 10);  // the entries before it are still served
  REQUIRE(first);
  REQUIRE(first->size() == 1);
  CHECK(first->at(0).body == json({{"sku", "A"}, {"price", 1}}).dump());
  auto at = hq->down_read("S1", 2, 10);
  REQUIRE_FALSE(at);
  CHECK(at.status().code() == Status::Code::corruption);
  CHECK(at.status().message() == "HQ's down-log entry 2 of S1 is not a JSON object");
  // The fan-out leaves S1 out from there and goes on with the others.
  auto all = hq->down_read_all({{"S1", 1}, {"S2", 1}}, 10);
  REQUIRE(all);
  CHECK(all->at("S1").size() == 1);
  CHECK(all->at("S2").size() == 1);
  auto later = hq->down_read_all({{"S1", 2}, {"S2", 1}}, 10);
  REQUIRE(later);
  CHECK_FALSE(later->count("S1"));
  CHECK(later->at("S2").at(0).hq_seq == 1);
}

TEST_CASE("a down-log entry whose body is not a JSON object is refused at the append, and nothing of it is kept", "[ledger]") {
  test::TempDir dir;
  auto hq = open_hq(test::hq_database(dir.path()));
  for (const json& bad : {json::array({1}), json(nullptr), json("x"), json(5)}) {
    INFO(bad.dump());
    auto r = hq->down_append_to({"S1", "S2"}, {{"price", json{{"sku", "A"}, {"price", 1}}}, {"price", bad}});
    REQUIRE_FALSE(r);
    CHECK(r.status().code() == Status::Code::invalid_argument);
    CHECK(r.status().message() == "entry 2 (price): its body must be a JSON object");
  }
  CHECK(hq->down_heads()->empty());
}

TEST_CASE("instances starting together on an empty PostgreSQL database migrate it once", "[postgres]") {
  test::TempDir dir;
  const std::string url = test::postgres_url_for(dir.path());
  std::vector<std::thread> starting;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    starting.emplace_back([&] {
      if (hq::open_store(url)) ++opened;
    });
  }
  for (auto& t : starting) t.join();
  CHECK(opened == 4);
  // Each version recorded once: no instance ran a migration another had run.
  CHECK(test::run({"psql", "-X", url, "-tAc", "SELECT string_agg(version::text, ',' ORDER BY version) FROM hq_schema"}).out ==
        "1,2,3,4\n");
}

TEST_CASE("a lost PostgreSQL connection answers unavailable, commits nothing, and comes back by itself", "[postgres]") {
  test::TempDir dir;
  const std::string url = test::postgres_url_for(dir.path());
  std::string pem;
  const auto batch = journal_of(dir, "S1", 9, pem);
  auto hq = open_hq(url);
  REQUIRE(hq->register_store("S1", pem));
  test::Postgres::shared().stop_immediately();
  auto r = hq->receive("S1", batch);
  REQUIRE_FALSE(r);
  INFO(r.status().message());
  CHECK(r.status().code() == Status::Code::unavailable);
  CHECK_THAT(r.status().message(), Catch::Contains("PostgreSQL"));
  CHECK(hq->acked_seq("S1").status().code() == Status::Code::unavailable);
  test::Postgres::shared().start();
  // Retried with backoff (at most 5 s between attempts): the same object heals.
  Result<uint64_t> acked = Status::unavailable("not asked yet");
  for (int i = 0; i < 200 && !acked; ++i) {
    acked = hq->acked_seq("S1");
    if (!acked) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(acked);
  CHECK(*acked == 0);  // nothing of the failed batch was kept
  CHECK(hq->receive("S1", batch)->acked_seq == 10);
}

TEST_CASE("a database argument that is no file and no postgresql:// URL is refused, and no password reaches the message", "[ledger]") {
  struct Row {
    std::string db;
    std::string error;
  };
  const std::vector<Row> rows = {
      {"PostgreSQL://posd:pw-s3cret@db/hq", "--db is neither a file nor a postgresql:// URL (the scheme is lower case)"},
      {"host=db password=pw-s3cret dbname=hq", "--db is neither a file nor a postgresql:// URL (the scheme is lower case)"},
      {"postgresql://posd:pw-s3cret%zz@db/hq",
       "the PostgreSQL URL does not parse (libpq's URL; percent-encode % and spaces)"},
  };
  for (const Row& r : rows) {
    INFO(r.db);
    auto out = test::run({test::bin("posd-hq"), "report", "--store", "S1", "--db", r.db});
    CHECK(out.exit_code != 0);
    CHECK(out.err == "posd-hq: " + r.error + "\n");
    CHECK(out.err.find("s3cret") == std::string::npos);
    CHECK_FALSE(std::filesystem::exists(r.db));  // not taken for a SQLite file's name
  }
}

TEST_CASE("a value with a NUL character is refused by the PostgreSQL backend, not cut short", "[postgres]") {
  test::TempDir dir;
  auto hq = open_hq(test::postgres_url_for(dir.path()));
  auto last = hq->down_append("S1", {{std::string("price\0x", 7), json{{"sku", "PEN"}, {"price", 5}}}});
  REQUIRE_FALSE(last);
  CHECK(last.status().code() == Status::Code::invalid_argument);
  CHECK(last.status().message() == "a value holds a NUL character");
  CHECK(*hq->down_head("S1") == 0);
}

TEST_CASE("posd-hq takes its database from POSD_HQ_DB and PostgreSQL's password from the systemd credential pgpass", "[postgres]") {
  test::TempDir dir;
  const std::string url = test::postgres_url_for(dir.path());
  const std::string name = url.substr(url.find(":///") + 4, url.find('?') - url.find(":///") - 4);
  const std::string role = test::Postgres::kPasswordRole;
  REQUIRE(test::run({"psql", "-X", url, "-c",
                     "DO $$BEGIN CREATE ROLE " + role + " LOGIN PASSWORD 'pg-cred-s3cret'; "
                     "EXCEPTION WHEN duplicate_object THEN NULL; END$$; ALTER DATABASE " + name + " OWNER TO " + role})
              .exit_code == 0);
  const std::string as_role = url.substr(0, url.find("user=")) + "user=" + role;
  const std::string hq = test::bin("posd-hq");

  // No password: refused by the server, and nothing secret said.
  auto without = test::run({"env", "-u", "PGPASSFILE", "-u", "PGPASSWORD", "POSD_HQ_DB=" + as_role, hq, "report", "--store", "S1"});
  CHECK(without.exit_code == 2);
  CHECK_THAT(without.err, Catch::StartsWith("posd-hq: cannot connect to PostgreSQL: "));

  // The credential, as systemd hands it over: posd-hq connects (and finds no store S1).
  test::write_text(dir.file("pgpass"), "*:*:*:" + role + ":pg-cred-s3cret\n");
  std::filesystem::permissions(dir.file("pgpass"), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto with = test::run({"env", "-u", "PGPASSFILE", "-u", "PGPASSWORD", "POSD_HQ_DB=" + as_role,
                         "CREDENTIALS_DIRECTORY=" + dir.path(), hq, "report", "--store", "S1"});
  CHECK(with.err == "posd-hq: unknown store \"S1\"\n");
  CHECK(with.err.find("s3cret") == std::string::npos);
}

TEST_CASE("posd-hq runs on jemalloc with transparent huge pages, posd on the 4 KB pages its memory goal is measured on", "[allocator]") {
#ifdef POSD_JEMALLOC
  // jemalloc prints its options at exit when asked to (MALLOC_CONF comes
  // after the program's own, and only adds the printing).
  auto options = [](const std::string& program, const std::string& arg) {
    return test::run({"env", "MALLOC_CONF=stats_print:true", test::bin(program), arg}).err;
  };
  const std::string hq = options("posd-hq", "--help"), posd = options("posd", "--version");
  CHECK(hq.find("opt.thp: \"always\"") != std::string::npos);
  CHECK(hq.find("opt.narenas: 1\n") != std::string::npos);
  CHECK(posd.find("opt.thp: \"default\"") != std::string::npos);
  CHECK(posd.find("opt.narenas: 1\n") != std::string::npos);
#else
  SUCCEED("this build runs on the C library's malloc (the sanitizers')");
#endif
}

TEST_CASE("posd-hq refuses an operator's file or body that gives a key twice, and publishes nothing of it", "[ledger]") {
  test::TempDir dir;
  const std::string db = test::hq_database(dir.path());
  test::write_text(dir.file("catalog.json"),
                   R"({"tax_classes": [{"id": "std", "rate_bp": 1900}],
                       "items": [{"sku": "A", "name": "Apple", "price": 100, "tax_class": "std", "price": 1}]})");
  auto published = test::run({test::bin("posd-hq"), "catalog", "publish", "--db", db, dir.file("catalog.json")});
  CHECK(published.exit_code != 0);
  CHECK(published.err == "posd-hq: " + dir.file("catalog.json") + ": duplicate key \"price\" in /items\n");
  auto sent = test::run({test::bin("posd-hq"), "send", "--db", db, "--kind", "price", "--body", R"({"sku": "A", "price": 1, "price": 100})"});
  CHECK(sent.exit_code != 0);
  CHECK(sent.err == "posd-hq: --body: duplicate key \"price\"\n");
  auto hq = open_hq(db);
  CHECK(hq->down_heads()->empty());
}

TEST_CASE("posd-hq reads an operator's file from a pipe as from a file, and says so when it is given a directory", "[ledger]") {
  test::TempDir dir;
  const std::string db = test::hq_database(dir.path());
  const std::string hq = test::bin("posd-hq");
  test::write_text(dir.file("bad.json"), R"({"tax_classes": [{"id": "std", "rate_bp": 1900}], "items": [{"sku": "A"}]})");
  auto piped = test::run({"sh", "-c", "cat '" + dir.file("bad.json") + "' | '" + hq + "' catalog publish --db '" + db + "' /dev/stdin"});
  CHECK(piped.exit_code != 0);
  CHECK(piped.err.rfind("posd-hq: /dev/stdin: items[0].name: ", 0) == 0);  // read whole, then checked
  auto directory = test::run({hq, "catalog", "publish", "--db", db, dir.path()});
  CHECK(directory.exit_code != 0);
  CHECK(directory.err == "posd-hq: " + dir.path() + " is a directory, not a file\n");
}
