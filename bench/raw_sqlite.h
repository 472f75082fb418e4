// The floor the journal and the API are measured against: raw SQLite with
// posd's pragmas (WAL, synchronous=FULL) inserting into posd's journal table,
// `per_txn` rows per transaction, nothing hashed or signed.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "storage/schema.h"
#include "storage/sqlite.h"

namespace posd::bench {

// A raw database kept open, so that its runs can take turns with another
// bench's (the same disk's moods fall on both): seconds(rows, per_txn)
// appends `rows` more rows, `per_txn` to a transaction.
class RawSqlite {
 public:
  explicit RawSqlite(std::string path) : path_(std::move(path)) {
    remove_files();
    auto db = sql::Db::open(path_);
    if (!db || !schema::migrate(*db)) std::abort();
    db_.emplace(std::move(*db));
    auto ins = db_->prepare(
        "INSERT INTO journal(seq, ts, business_day, type, payload, prev_hash, hash, signature) "
        "VALUES (?1, '2026-11-22T10:00:00.000Z', '2026-11-22', 'sale', ?2, ?3, ?3, ?4)");
    if (!ins) std::abort();
    insert_.emplace(std::move(*ins));
  }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;
  ~RawSqlite() {
    insert_.reset();
    db_.reset();
    remove_files();
  }

  double seconds(int rows, int per_txn) {
    const std::string payload =
        R"({"lines":[{"sku":"PEN-BLUE","qty":2,"amount":398},{"sku":"MILK-1L","qty":1,"amount":119}],"total":517})";
    const std::string hash(64, 'a'), sig(128, 'b');
    auto start = std::chrono::steady_clock::now();
    for (int done = 0; done < rows;) {
      sql::Txn txn(*db_);
      for (int i = 0; i < per_txn && done < rows; ++i, ++done) {
        insert_->bind(1, int64_t{++seq_}).bind(2, payload).bind(3, hash).bind(4, sig);
        if (!insert_->run()) std::abort();
      }
      if (!txn.commit()) std::abort();
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

 private:
  void remove_files() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  std::string path_;
  std::optional<sql::Db> db_;
  std::optional<sql::Stmt> insert_;
  int64_t seq_ = 0;
};

inline double raw_sqlite(const std::string& dir, int rows, int per_txn) {
  RawSqlite raw(dir + "/raw.db");
  return rows / raw.seconds(rows, per_txn);
}

}  // namespace posd::bench
