#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <thread>

#include "storage/backup.h"
#include "storage/sqlite.h"
#include "tests/support/temp_dir.h"

using namespace posd;

// A copy taken in small steps starts again whenever another connection writes
// between them; with a writer that never pauses it would not end until the
// writer did. The copy must be one snapshot taken while the writes go on.
TEST_CASE("a backup ends while another connection writes without pause", "[backup]") {
  test::TempDir dir;
  auto db = sql::Db::open(dir.file("s.db"));
  REQUIRE(db);
  REQUIRE(db->exec("CREATE TABLE t(x BLOB)"));
  {
    sql::Txn txn(*db);
    for (int i = 0; i < 100; ++i) REQUIRE(db->exec("INSERT INTO t VALUES (zeroblob(60000))"));  // ~6 MB
    REQUIRE(txn.commit());
  }
  REQUIRE(db->exec("PRAGMA synchronous=OFF"));  // as many writes per second as the machine allows

  constexpr int kWrites = 200000;
  std::atomic<int> written{0};
  std::atomic<bool> failed{false};
  std::thread writer([&] {
    while (written < kWrites && !failed) {
      if (!db->exec("INSERT INTO t VALUES (1)")) failed = true;
      ++written;
    }
  });
  while (written < 10) std::this_thread::yield();
  Status copied = backup_database(dir.file("s.db"), dir.file("copy.db"));
  const int at_end = written;
  written = kWrites;  // stop the writer
  writer.join();
  REQUIRE(copied);
  CHECK_FALSE(failed);
  CHECK(at_end < kWrites);  // the copy did not wait for the writer to stop

  auto copy = sql::Db::open(dir.file("copy.db"), sql::Db::Mode::read_only);
  REQUIRE(copy);
  CHECK(copy->query_int("SELECT COUNT(*) FROM t WHERE length(x) = 60000")->value() == 100);
  CHECK(copy->query_int("SELECT COUNT(*) FROM t")->value() >= 100);
}

TEST_CASE("a backup never overwrites, and names what is missing", "[backup]") {
  test::TempDir dir;
  auto db = sql::Db::open(dir.file("s.db"));
  REQUIRE(db);
  REQUIRE(db->exec("CREATE TABLE t(x)"));
  test::write_text(dir.file("there.db"), "keep me");
  Status exists = backup_database(dir.file("s.db"), dir.file("there.db"));
  CHECK(exists.code() == Status::Code::conflict);
  CHECK_THAT(exists.message(), Catch::Contains("exists already"));
  Status missing = backup_database(dir.file("nope.db"), dir.file("new.db"));
  CHECK(missing.code() == Status::Code::not_found);
  CHECK_THAT(missing.message(), Catch::Contains("no database at"));
  CHECK_FALSE(std::filesystem::exists(dir.file("new.db")));
}
