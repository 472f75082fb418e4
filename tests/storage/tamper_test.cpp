// Tamper evidence: rows changed behind the triggers' back are caught by
// verify at the changed seq, with the reason.
#include <catch2/catch.hpp>

#include <cctype>
#include <functional>
#include <sstream>

#include "base/digest.h"
#include "storage/journal.h"
#include "storage/journal_export.h"
#include "tests/support/temp_dir.h"

using namespace posd;

namespace {

struct Tampered {
  test::TempDir dir;
  std::string path = dir.file("s.db");
  std::unique_ptr<Journal> journal;

  Tampered() {
    auto j = Journal::open({.db_path = path, .store_id = "S1"});
    REQUIRE(j);
    for (int i = 0; i < 9; ++i) REQUIRE((*j)->append(Entry{"sale", {{"total", 100 * i}}}));
    (*j)->close();
    journal = std::move(*j);
  }
  // Runs `sql` with the append-only triggers dropped, as an attacker with file access would.
  void behind_the_back(const std::string& sql) {
    auto db = sql::Db::open(path);
    REQUIRE(db->exec("DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;"
                     "DROP TRIGGER journal_gap_free;"));
    REQUIRE(db->exec(sql));
  }
  Status verify() {
    auto db = sql::Db::open(path);
    auto n = verify_journal(*db, journal->public_key());
    return n.status();
  }
};

}  // namespace

TEST_CASE("an intact journal verifies", "[tamper]") {
  Tampered t;
  auto db = sql::Db::open(t.path);
  CHECK(*verify_journal(*db, t.journal->public_key()) == 10);
}

TEST_CASE("an edited payload is a hash mismatch at its seq", "[tamper]") {
  Tampered t;
  t.behind_the_back("UPDATE journal SET payload = '{\"total\":1}' WHERE seq = 6");
  CHECK(t.verify().message() == "seq 6: hash mismatch");
}

TEST_CASE("a payload edited and re-hashed breaks the signature", "[tamper]") {
  Tampered t;
  // Recompute the hash honestly; only the key can make the signature.
  Event e;
  {
    auto db = sql::Db::open(t.path);
    REQUIRE(scan_journal(*db, 6, [&](const Event& x) {
      if (x.seq == 6) e = x;
      return Status::ok();
    }));
  }
  e.payload = {{"total", 1}};
  const std::string hash = chain_hash(e);
  t.behind_the_back("UPDATE journal SET payload = '{\"total\":1}', hash = '" + hash + "' WHERE seq = 6");
  CHECK(t.verify().message() == "seq 6: bad signature");
}

TEST_CASE("a deleted row is a gap", "[tamper]") {
  Tampered t;
  t.behind_the_back("DELETE FROM journal WHERE seq = 4");
  CHECK(t.verify().message() == "seq 5: gap: expected seq 4");
}

TEST_CASE("a forged row below seq 1 is caught, and the schema refuses one", "[tamper]") {
  Tampered t;
  const std::string copy_of_5 =
      "INSERT INTO journal SELECT -1, ts, business_day, type, payload, prev_hash, hash, signature FROM journal WHERE seq = 5";
  {
    auto db = sql::Db::open(t.path);
    CHECK_FALSE(db->exec(copy_of_5));  // the triggers keep seq gap-free from 1
  }
  t.behind_the_back(copy_of_5);
  CHECK(t.verify().message() == "seq -1: a row below seq 1, where the journal starts");
}

TEST_CASE("a journal whose first rows were removed fails verify --db: it starts at seq 1 with the genesis", "[tamper]") {
  // The rest still chains: each event names the one before it, and the
  // first left is taken as given only in an export (its manifest proves it).
  Tampered t;
  t.behind_the_back("DELETE FROM journal WHERE seq <= 4");
  CHECK(t.verify().message() ==
        "seq 5: the journal's first row, but it starts at seq 1 with the genesis: the rows before it were removed");
}

TEST_CASE("an anchor just before an export's first line is proven by its prev_hash, and one further before is not checked", "[tamper]") {
  Tampered t;
  auto db = sql::Db::open(t.path);
  std::vector<Event> all;
  REQUIRE(scan_journal(*db, 1, [&](const Event& e) {
    all.push_back(e);
    return Status::ok();
  }));
  auto pub = PublicKey::load(t.path + ".pub");
  REQUIRE(pub);
  auto verify_from_5 = [&](const Anchor& a) {
    std::stringstream part;
    REQUIRE(*export_journal(*db, 5, part) == 6);
    return verify_export(part, *pub, {a});
  };
  CHECK(*verify_from_5(Anchor{4, all[3].hash}) == 6);
  CHECK(verify_from_5(Anchor{4, all[2].hash}).status().message() ==
        "anchor seq 4: the first event checked (seq 5) follows another event there (prev_hash " + all[3].hash +
            "): it was rewritten");
  CHECK_THAT(verify_from_5(Anchor{3, all[2].hash}).status().message(),
             Catch::StartsWith("anchor seq 3: before the first event checked (seq 5)"));
}

TEST_CASE("a stored payload is its canonical text, byte for byte", "[tamper]") {
  // A first-wins reader (SQLite's json_extract) would see 553 where the hash
  // covers 600: the stored bytes, not a parse of them, are what is checked.
  SECTION("a duplicate key") {
    Tampered t;
    t.behind_the_back("UPDATE journal SET payload = '{\"total\":553,' || substr(payload, 2) WHERE seq = 7");
    CHECK(t.verify().message() == "seq 7: payload: duplicate key \"total\"");
  }
  SECTION("white space") {
    Tampered t;
    t.behind_the_back("UPDATE journal SET payload = replace(payload, ':', ': ') WHERE seq = 7");
    CHECK(t.verify().message() == "seq 7: payload: not in canonical form: the canonical form differs at byte 9");
  }
  SECTION("an escaped letter") {
    Tampered t;
    t.behind_the_back("UPDATE journal SET payload = replace(payload, 'total', 'tot\\u0061l') WHERE seq = 7");
    CHECK(t.verify().message() == "seq 7: payload: not in canonical form: the canonical form differs at byte 5");
  }
}

TEST_CASE("hex is lower case, or the row is refused, whichever column", "[tamper]") {
  SECTION("signature") {
    Tampered t;
    t.behind_the_back("UPDATE journal SET signature = upper(signature) WHERE seq = 7");
    CHECK(t.verify().message() == "seq 7: signature is not 128 lower-case hex digits");
  }
  SECTION("hash") {
    Tampered t;
    t.behind_the_back("UPDATE journal SET hash = upper(hash) WHERE seq = 7");
    CHECK(t.verify().message() == "seq 7: hash is not 64 lower-case hex digits");
  }
  SECTION("prev_hash") {
    Tampered t;
    t.behind_the_back("UPDATE journal SET prev_hash = upper(prev_hash) WHERE seq = 7");
    CHECK(t.verify().message() == "seq 7: prev_hash is not 64 lower-case hex digits");
  }
}

TEST_CASE("a re-signed chain under another key fails on the genesis", "[tamper]") {
  Tampered t;
  auto other = StoreKey::load_or_create(t.dir.file("x.key"), t.dir.file("x.pub"));
  auto db = sql::Db::open(t.path);
  auto n = verify_journal(*db, other->public_key());
  CHECK(n.status().message() == "seq 1: genesis names a different public key");
}

TEST_CASE("an export verifies elsewhere with only the public key", "[tamper]") {
  Tampered t;
  auto db = sql::Db::open(t.path);
  std::stringstream out;
  REQUIRE(*export_journal(*db, 1, out) == 10);
  auto pub = PublicKey::load(t.path + ".pub");
  REQUIRE(pub);

  SECTION("whole") {
    std::istringstream in(out.str());
    CHECK(*verify_export(in, *pub) == 10);
  }
  SECTION("from a later seq") {
    std::stringstream part;
    REQUIRE(*export_journal(*db, 5, part) == 6);
    CHECK(*verify_export(part, *pub) == 6);
  }
  SECTION("an edited line fails at its seq") {
    std::string text = out.str();
    auto at = text.find("\"total\":700");
    REQUIRE(at != std::string::npos);
    text.replace(at, 11, "\"total\":701");
    std::istringstream in(text);
    CHECK(verify_export(in, *pub).status().message() == "seq 9: hash mismatch");
  }
  SECTION("an empty line is refused: an export is one event a line, and nothing else") {
    std::string text = out.str();
    text.insert(text.find('\n') + 1, "\n");
    std::istringstream in(text);
    CHECK(verify_export(in, *pub).status().message() == "line 2: an empty line (an export is one event a line, and nothing else)");
  }
  SECTION("a line that is not an event") {
    std::istringstream in(out.str() + "{\"seq\": \"eleven\"}\n");
    CHECK_THAT(verify_export(in, *pub).status().message(), Catch::StartsWith("line 11:"));
    std::istringstream junk("not json\n");
    CHECK(verify_export(junk, *pub).status().message() == "line 1: not JSON (at byte 2)");
  }
  SECTION("an export line is its event's canonical JSON, nothing else") {
    auto line_of = [&](const std::string& text, int n) {
      size_t from = 0;
      for (int i = 1; i < n; ++i) from = text.find('\n', from) + 1;
      return std::pair{from, text.find('\n', from)};
    };
    struct Row {
      const char* attack;
      std::function<std::string(std::string)> edit;
      const char* why;
    };
    const Row rows[] = {
        {"a second seq, first", [](std::string l) { return "{\"seq\":4," + l.substr(1); }, "line 5: duplicate key \"seq\""},
        {"a second total", [](std::string l) {
           auto at = l.find("\"total\"");
           return l.insert(at, "\"total\":1,");
         }, "line 5: duplicate key \"total\" in /payload"},
        {"an unknown field", [](std::string l) { return l.insert(l.size() - 1, ",\"zz\":1"); }, "line 5: unknown field \"zz\""},
        {"white space", [](std::string l) {
           auto at = l.find("\"total\":");
           return l.insert(at + 8, " ");
         }, "line 5: not in canonical form (an export line is its event's compact JSON, keys sorted)"},
        {"upper-case signature", [](std::string l) {
           auto at = l.find("\"signature\":\"") + 13;
           for (size_t i = at; i < at + 128; ++i) l[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(l[i])));
           return l;
         }, "seq 5: signature is not 128 lower-case hex digits"},
    };
    for (const Row& r : rows) {
      INFO(r.attack);
      std::string text = out.str();
      auto [from, to] = line_of(text, 5);
      text.replace(from, to - from, r.edit(text.substr(from, to - from)));
      std::istringstream in(text);
      CHECK(verify_export(in, *pub).status().message() == r.why);
    }
  }
  SECTION("a dropped line is a gap") {
    std::string text = out.str();
    auto l3 = text.find("{\"business_day\"", text.find('\n', text.find('\n') + 1));
    auto l4 = text.find('\n', l3) + 1;
    text.erase(l3, l4 - l3);
    std::istringstream in(text);
    CHECK(verify_export(in, *pub).status().message() == "seq 4: gap: expected seq 3");
  }
}

TEST_CASE("the canonical encoding built around the payload's text is the event object's dump, byte for byte", "[tamper]") {
  // What the hash covers must not move when the encoding is made faster: the
  // reference is nlohmann::json's dump of the whole object, as docs/journal.md
  // describes it.
  auto reference = [](const Event& e) {
    return nlohmann::json{{"seq", e.seq}, {"ts", e.ts}, {"business_day", e.business_day}, {"type", e.type},
                          {"payload", e.payload}}
        .dump();
  };
  for (const nlohmann::json& payload :
       {nlohmann::json::object(), nlohmann::json{{"a", "\"quoted\" \\ back\nslash\t\x01"}},
        nlohmann::json{{"ü", "€ 1,99"}, {"lines", {{{"sku", "X"}, {"qty", -3}}}}, {"n", 18446744073709551615ull}},
        nlohmann::json{{"z", nullptr}, {"b", true}, {"nested", {{"k", {1, 2, 3}}}}}}) {
    for (const char* type : {"sale", "a \"type\"", "ümlaut"}) {
      Event e;
      e.seq = 18446744073709551615ull;
      e.ts = "2026-12-03T10:00:00.000Z";
      e.business_day = "2026-12-03";
      e.type = type;
      e.payload = payload;
      e.prev_hash = genesis_prev_hash();
      CHECK(canonical_encoding(e, e.payload.dump()) == reference(e));
      CHECK(canonical_encoding(e) == reference(e));
    }
  }
}

TEST_CASE("an export line built around the payload's text is the event's dump, byte for byte", "[tamper]") {
  // The verifier compares each line with this, and the export writes it: it
  // must be docs/journal.md's line, nlohmann::json's dump of the whole event.
  for (const nlohmann::json& payload :
       {nlohmann::json::object(), nlohmann::json{{"a", "\"quoted\" \\ back\nslash\t\x01"}},
        nlohmann::json{{"ü", "€ 1,99"}, {"lines", {{{"sku", "X"}, {"qty", -3}}}}, {"n", 18446744073709551615ull}}}) {
    for (const char* type : {"sale", "a \"type\"", "ümlaut"}) {
      Event e;
      e.seq = 18446744073709551615ull;
      e.ts = "2026-12-03T10:00:00.000Z";
      e.business_day = "2026-12-03";
      e.type = type;
      e.payload = payload;
      e.prev_hash = genesis_prev_hash();
      e.hash = std::string(64, 'a');
      e.signature = "sig \"odd\" \u00e9";  // any text: the line spells whatever the event holds
      CHECK(export_line(e, e.payload.dump()) == e.to_json().dump());
    }
  }
}
