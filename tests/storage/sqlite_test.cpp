#include <catch2/catch.hpp>

#include <sqlite3.h>

#include "storage/sqlite.h"
#include "tests/support/temp_dir.h"

using namespace posd;

TEST_CASE("a database opens with WAL, synchronous=FULL and foreign keys on", "[sqlite]") {
  test::TempDir dir;
  auto db = sql::Db::open(dir.file("a.db"));
  REQUIRE(db);
  auto mode = db->prepare("PRAGMA journal_mode");
  REQUIRE(mode);
  REQUIRE(*mode->step());
  CHECK(mode->text(0) == "wal");
  CHECK(db->query_int("PRAGMA synchronous")->value() == 2);  // FULL
  CHECK(db->query_int("PRAGMA foreign_keys")->value() == 1);
  CHECK(db->query_int("PRAGMA busy_timeout")->value() > 0);
}

TEST_CASE("SQLite keeps no count of its memory, whose one mutex every allocation of every connection would take", "[sqlite]") {
  // The event loop's reads and the journal's writer allocate all the time;
  // with the count on, each allocation waited for the other thread's.
  test::TempDir dir;
  auto db = sql::Db::open(dir.file("a.db"));
  REQUIRE(db);
  REQUIRE(db->exec("CREATE TABLE t(x TEXT); INSERT INTO t VALUES (randomblob(100000))"));
  REQUIRE(db->query_int("SELECT COUNT(*) FROM t")->value_or(0) == 1);
  sqlite3_int64 used = -1, highest = -1;
  REQUIRE(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &used, &highest, 0) == SQLITE_OK);
  CHECK(used == 0);
  CHECK(highest == 0);
}

TEST_CASE("a transaction not committed is rolled back", "[sqlite]") {
  test::TempDir dir;
  auto db = sql::Db::open(dir.file("a.db"));
  REQUIRE(db->exec("CREATE TABLE t(x INTEGER)"));
  {
    sql::Txn txn(*db);
    REQUIRE(txn.status());
    REQUIRE(db->exec("INSERT INTO t VALUES (1)"));
  }
  CHECK(db->query_int("SELECT COUNT(*) FROM t")->value() == 0);
  {
    sql::Txn txn(*db);
    REQUIRE(db->exec("INSERT INTO t VALUES (2)"));
    REQUIRE(txn.commit());
  }
  CHECK(db->query_int("SELECT x FROM t")->value() == 2);
}

TEST_CASE("SQLite errors come back as precise statuses", "[sqlite]") {
  test::TempDir dir;
  SECTION("missing database in read-only mode") {
    auto db = sql::Db::open(dir.file("none.db"), sql::Db::Mode::read_only);
    REQUIRE_FALSE(db);
    CHECK(db.status().code() == Status::Code::io_error);
  }
  SECTION("a file that is not a database") {
    test::write_text(dir.file("junk.db"), std::string(4096, 'x'));
    auto db = sql::Db::open(dir.file("junk.db"));
    REQUIRE_FALSE(db);
    CHECK(db.status().code() == Status::Code::corruption);
  }
  SECTION("a constraint is a conflict, and a bad bind shows at step") {
    auto db = sql::Db::open(dir.file("a.db"));
    REQUIRE(db->exec("CREATE TABLE t(x INTEGER PRIMARY KEY)"));
    REQUIRE(db->exec("INSERT INTO t VALUES (1)"));
    CHECK(db->exec("INSERT INTO t VALUES (1)").code() == Status::Code::conflict);
    auto st = db->prepare("INSERT INTO t VALUES (?1)");
    st->bind(5, int64_t{2});
    CHECK_FALSE(st->run());
    CHECK(db->prepare("SELEKT 1").status().code() == Status::Code::io_error);
  }
}

TEST_CASE("a read snapshot sees one state of the database until it ends, and ends even with a read left unfinished", "[sqlite]") {
  test::TempDir dir;
  auto writer = sql::Db::open(dir.file("a.db"));
  REQUIRE(writer->exec("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2)"));
  auto reader = sql::Db::open(dir.file("a.db"), sql::Db::Mode::read_only);
  REQUIRE(reader);
  auto count = [&] { return reader->query_int("SELECT COUNT(*) FROM t")->value_or(-1); };
  {
    auto rows = reader->prepare("SELECT x FROM t");
    REQUIRE(rows);
    {
      sql::ReadSnapshot snapshot(*reader);
      CHECK(sqlite3_get_autocommit(reader->handle()) == 0);
      CHECK(count() == 2);
      REQUIRE(writer->exec("INSERT INTO t VALUES (3)"));
      CHECK(count() == 2);  // the snapshot's state, not the writer's newer one
      {
        sql::ReadSnapshot inner(*reader);  // inside one already open: nothing more
        CHECK(count() == 2);
      }
      CHECK(count() == 2);  // the inner one did not end the outer
      REQUIRE(*rows->step());  // a read stepped once and not finished when the snapshot ends
    }
    CHECK(sqlite3_get_autocommit(reader->handle()) != 0);  // ended all the same
  }
  CHECK(count() == 3);
  // Without a snapshot each read sees the newest state.
  REQUIRE(writer->exec("INSERT INTO t VALUES (4)"));
  CHECK(count() == 4);
}
