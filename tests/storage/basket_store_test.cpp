// The basket store (storage/basket_store.h): what is put is there for the
// next open, as last put; what is removed is gone; the flusher syncs on its
// own after a change, and only then.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include "storage/basket_store.h"
#include "tests/support/temp_dir.h"

using namespace posd;

namespace {

std::map<std::string, std::string> bodies(BasketStore& store) {
  auto rows = store.all();
  REQUIRE(rows);
  std::map<std::string, std::string> out;
  for (const auto& r : *rows) out[r.id] = r.terminal + " " + r.body;
  return out;
}

}  // namespace

TEST_CASE("the basket store gives the next open every basket as last put, and none removed", "[baskets]") {
  test::TempDir dir;
  {
    auto store = BasketStore::open(dir.file("s.db.baskets"));
    REQUIRE(store);
    REQUIRE((*store)->put("a", "lane-1", R"({"v":1})"));
    REQUIRE((*store)->put("b", "lane-2", R"({"v":1})"));
    REQUIRE((*store)->put("a", "lane-3", R"({"v":2})"));  // taken over by another lane
    REQUIRE((*store)->put("c", "lane-1", R"({"v":1})"));
    REQUIRE((*store)->remove("b"));
    REQUIRE((*store)->remove("never-there"));
  }
  auto store = BasketStore::open(dir.file("s.db.baskets"));
  REQUIRE(store);
  CHECK(bodies(**store) == std::map<std::string, std::string>{{"a", R"(lane-3 {"v":2})"}, {"c", R"(lane-1 {"v":1})"}});
}

TEST_CASE("the basket store's flusher syncs after a change, and not while nothing changes", "[baskets]") {
  test::TempDir dir;
  auto store = BasketStore::open(dir.file("s.db.baskets"), std::chrono::milliseconds(20));
  REQUIRE(store);
  BasketStore& s = **store;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(s.flushes() == 0);  // nothing changed: ten periods and no sync
  REQUIRE(s.put("a", "lane-1", "{}"));
  for (int i = 0; i < 500 && s.flushes() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(s.flushes() == 1);
  const uint64_t after = s.flushes();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(s.flushes() == after);
}

TEST_CASE("a reader that holds the basket store's frames back is noticed, and once it lets go the flusher syncs everything", "[baskets]") {
  test::TempDir dir;
  auto store = BasketStore::open(dir.file("s.db.baskets"), std::chrono::milliseconds(20));
  REQUIRE(store);
  BasketStore& s = **store;
  REQUIRE(s.put("a", "lane-1", "{}"));
  REQUIRE(s.flush());
  // Another process's reader (an sqlite3 shell left open) with a snapshot
  // from before the next put: a checkpoint cannot copy past it.
  auto reader = sql::Db::open(dir.file("s.db.baskets"), sql::Db::Mode::read_only);
  REQUIRE(reader);
  REQUIRE(reader->exec("BEGIN"));
  REQUIRE(reader->query_int("SELECT COUNT(*) FROM basket")->value_or(0) == 1);
  REQUIRE(s.put("b", "lane-1", "{}"));
  for (int i = 0; i < 500 && !s.sync_failing(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(s.sync_failing());
  REQUIRE(reader->exec("COMMIT"));
  for (int i = 0; i < 500 && s.sync_failing(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK_FALSE(s.sync_failing());
}

TEST_CASE("the basket store is posd's own file: its WAL index is in memory, with no shared-memory file beside it", "[baskets]") {
  // SQLite's unix-excl VFS: one lock for the process, none at each put.
  test::TempDir dir;
  const std::string path = dir.file("s.db.baskets");
  {
    auto store = BasketStore::open(path, std::chrono::milliseconds(20));
    REQUIRE(store);
    REQUIRE((*store)->put("a", "lane-1", R"({"v":1})"));
    REQUIRE((*store)->flush());
    CHECK(std::filesystem::exists(path + "-wal"));
    CHECK_FALSE(std::filesystem::exists(path + "-shm"));
  }
  auto store = BasketStore::open(path);
  REQUIRE(store);
  CHECK(bodies(**store) == std::map<std::string, std::string>{{"a", R"(lane-1 {"v":1})"}});
}

TEST_CASE("a put never truncates the basket store's WAL: the lane's answer does not wait for the disk to free its blocks", "[baskets]") {
  // SQLite truncates a restarted WAL at the first commit after it when a
  // size limit is set; that commit is the event loop's put, and ext4 then
  // waits for the device to discard the blocks (1-3.5 ms measured).
  test::TempDir dir;
  const std::string path = dir.file("s.db.baskets");
  auto store = BasketStore::open(path, std::chrono::hours(1));  // synced only by flush() here
  REQUIRE(store);
  BasketStore& s = **store;
  const std::string body(6000, 'x');
  for (int i = 0; i < 400; ++i) REQUIRE(s.put("b" + std::to_string(i), "lane-1", body));
  REQUIRE(s.flush());  // every frame copied back: the next put starts the WAL again
  const auto grown = std::filesystem::file_size(path + "-wal");
  REQUIRE(grown > (size_t{2} << 20));
  REQUIRE(s.put("b0", "lane-2", "{}"));
  CHECK(std::filesystem::file_size(path + "-wal") == grown);
  REQUIRE(s.remove("b1"));
  CHECK(std::filesystem::file_size(path + "-wal") == grown);
  auto rows = bodies(s);
  CHECK(rows.size() == 399);
  CHECK(rows["b0"] == "lane-2 {}");
}

TEST_CASE("the flusher gives a grown WAL's space back once the baskets are quiet", "[baskets]") {
  // While puts go on, no checkpoint copies the WAL whole, so it grows (past
  // 100 MB under 64 lanes); no put truncates it. Quiet for a period, the
  // flusher does.
  test::TempDir dir;
  const std::string path = dir.file("s.db.baskets");
  auto store = BasketStore::open(path, std::chrono::milliseconds(20));
  REQUIRE(store);
  BasketStore& s = **store;
  const std::string body(6000, 'x');
  for (int i = 0; i < 2500; ++i) REQUIRE(s.put("b" + std::to_string(i % 100), "lane-1", body + std::to_string(i)));
  for (int i = 0; i < 1000 && s.given_back() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(s.given_back() >= 1);
  CHECK(std::filesystem::file_size(path + "-wal") < (size_t{1} << 20));
  // Everything is still there, and the next put writes the WAL again.
  REQUIRE(s.put("b0", "lane-2", "{}"));
  auto rows = bodies(s);
  CHECK(rows.size() == 100);
  CHECK(rows["b0"] == "lane-2 {}");
  CHECK(rows["b99"] == "lane-1 " + body + "2499");
}

TEST_CASE("a grown WAL left by a crash is copied, then given back, at the start, with every basket in it", "[baskets]") {
  test::TempDir dir;
  const std::string body(6000, 'y');
  {
    auto store = BasketStore::open(dir.file("s.db.baskets"), std::chrono::hours(1));
    REQUIRE(store);
    for (int i = 0; i < 2500; ++i) REQUIRE((*store)->put("b" + std::to_string(i % 100), "lane-1", body + std::to_string(i)));
    // What a power cut would leave: the file and its WAL, not copied back.
    std::filesystem::create_directory(dir.file("cut"));
    std::filesystem::copy_file(dir.file("s.db.baskets"), dir.file("cut/s.db.baskets"));
    std::filesystem::copy_file(dir.file("s.db.baskets-wal"), dir.file("cut/s.db.baskets-wal"));
  }
  REQUIRE(std::filesystem::file_size(dir.file("cut/s.db.baskets-wal")) > (size_t{8} << 20));
  auto store = BasketStore::open(dir.file("cut/s.db.baskets"), std::chrono::milliseconds(20));
  REQUIRE(store);
  BasketStore& s = **store;
  for (int i = 0; i < 1000 && s.given_back() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(s.given_back() >= 1);
  CHECK(std::filesystem::file_size(dir.file("cut/s.db.baskets-wal")) < (size_t{1} << 20));
  auto rows = bodies(s);
  CHECK(rows.size() == 100);
  CHECK(rows["b99"] == "lane-1 " + body + "2499");
  CHECK(rows["b0"] == "lane-1 " + body + "2400");
}
