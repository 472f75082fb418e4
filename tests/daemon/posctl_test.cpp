// posctl journal verify / export, and posd-hq verify, as operators run them.
#include <catch2/catch.hpp>

#include "storage/journal.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace posd;

namespace {
std::string make_journal(const test::TempDir& dir, int sales) {
  const std::string path = dir.file("s.db");
  auto j = Journal::open({.db_path = path, .store_id = "S1"});
  REQUIRE(j);
  for (int i = 0; i < sales; ++i) REQUIRE((*j)->append(Entry{"sale", {{"total", i}}}));
  return path;
}
}  // namespace

TEST_CASE("posctl journal verify says ok with the count", "[posctl]") {
  test::TempDir dir;
  const std::string db = make_journal(dir, 5);
  auto r = test::run({test::bin("posctl"), "journal", "verify", "--db", db});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "ok 6 events\n");
}

TEST_CASE("posctl journal verify names the first bad seq and exits 1", "[posctl]") {
  test::TempDir dir;
  const std::string db = make_journal(dir, 5);
  {
    auto d = sql::Db::open(db);
    REQUIRE(d->exec("DROP TRIGGER journal_no_update"));
    REQUIRE(d->exec("UPDATE journal SET payload = '{\"total\":99}' WHERE seq = 4"));
  }
  auto r = test::run({test::bin("posctl"), "journal", "verify", "--db", db});
  CHECK(r.exit_code == 1);
  CHECK(r.out == "bad seq 4: hash mismatch\n");
}

TEST_CASE("an export verifies elsewhere with only the public key", "[posctl]") {
  test::TempDir dir;
  const std::string db = make_journal(dir, 3);
  auto exp = test::run({test::bin("posctl"), "journal", "export", "--db", db});
  REQUIRE(exp.exit_code == 0);
  test::write_text(dir.file("export.jsonl"), exp.out);

  // Only the export and the public key travel.
  test::TempDir hq;
  test::write_text(hq.file("store.pub"), test::read_text(db + ".pub"));
  test::write_text(hq.file("export.jsonl"), exp.out);
  auto v = test::run({test::bin("posctl"), "journal", "verify", "--export", hq.file("export.jsonl"),
                      "--pubkey", hq.file("store.pub")});
  CHECK(v.exit_code == 0);
  CHECK(v.out == "ok 4 events\n");
  auto h = test::run({test::bin("posd-hq"), "verify", "--export", hq.file("export.jsonl"),
                      "--pubkey", hq.file("store.pub")});
  CHECK(h.exit_code == 0);
  CHECK(h.out == "ok 4 events\n");

  auto part = test::run({test::bin("posctl"), "journal", "export", "--db", db, "--from", "3"});
  test::write_text(hq.file("part.jsonl"), part.out);
  auto vp = test::run({test::bin("posctl"), "journal", "verify", "--export", hq.file("part.jsonl"),
                       "--pubkey", hq.file("store.pub")});
  CHECK(vp.out == "ok 2 events\n");

  // Another store's key does not verify it.
  test::TempDir other;
  REQUIRE(StoreKey::load_or_create(other.file("k"), other.file("k.pub")));
  auto wrong = test::run({test::bin("posctl"), "journal", "verify", "--export", hq.file("export.jsonl"),
                          "--pubkey", other.file("k.pub")});
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.out == "bad seq 1: genesis names a different public key\n");
}

TEST_CASE("posctl reports what it cannot do with exit 2", "[posctl]") {
  test::TempDir dir;
  auto missing = test::run({test::bin("posctl"), "journal", "verify", "--db", dir.file("none.db")});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("none.db"));
  auto no_key = test::run({test::bin("posctl"), "journal", "verify", "--export", dir.file("x")});
  CHECK(no_key.exit_code == 2);
  CHECK_THAT(no_key.err, Catch::Contains("--pubkey"));
  auto neither = test::run({test::bin("posctl"), "journal", "verify"});
  CHECK(neither.exit_code == 2);
}
