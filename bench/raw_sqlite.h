// The floor the journal and the API are measured against: raw SQLite with
// posd's pragmas (WAL, synchronous=FULL) inserting into posd's journal table,
// `per_txn` rows per transaction, nothing hashed or signed. Returns rows/s.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "storage/schema.h"
#include "storage/sqlite.h"

namespace posd::bench {

inline double raw_sqlite(const std::string& dir, int rows, int per_txn) {
  const std::string path = dir + "/raw.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  double secs = 0;
  {
    auto db = sql::Db::open(path);
    if (!db || !schema::migrate(*db)) std::abort();
    auto ins = db->prepare(
        "INSERT INTO journal(seq, ts, business_day, type, payload, prev_hash, hash, signature) "
        "VALUES (?1, '2026-11-22T10:00:00.000Z', '2026-11-22', 'sale', ?2, ?3, ?3, ?4)");
    const std::string payload =
        R"({"lines":[{"sku":"PEN-BLUE","qty":2,"amount":398},{"sku":"MILK-1L","qty":1,"amount":119}],"total":517})";
    const std::string hash(64, 'a'), sig(128, 'b');
    auto start = std::chrono::steady_clock::now();
    for (int seq = 1; seq <= rows;) {
      sql::Txn txn(*db);
      for (int i = 0; i < per_txn && seq <= rows; ++i, ++seq) {
        ins->bind(1, int64_t{seq}).bind(2, payload).bind(3, hash).bind(4, sig);
        if (!ins->run()) std::abort();
      }
      if (!txn.commit()) std::abort();
    }
    secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return rows / secs;
}

}  // namespace posd::bench
