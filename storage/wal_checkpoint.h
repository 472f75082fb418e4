// The journal's WAL copied back into the database beside the writer. SQLite
// checkpoints inside the commit that passes 1,000 pages of WAL: the writer
// then copies some 4 MB and syncs the database file before its batch's
// callers hear back (a sale's answer held for hundreds of ms behind a
// catalog's apply). Started on the writer's connection, this takes its
// checkpoints over: the writer's commits only count their WAL's pages, and
// past `pages` a thread of its own (posd-wal) runs a PASSIVE checkpoint on a
// connection of its own, which never blocks a writer or a reader.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "base/status.h"
#include "storage/sqlite.h"

namespace posd {

class WalCheckpointer {
 public:
  // `writer`: the connection whose commits are counted; it must outlive this.
  // `before` (tests): runs on the thread before each checkpoint.
  static Result<std::unique_ptr<WalCheckpointer>> start(sql::Db& writer, int pages, std::function<void()> before = {});
  ~WalCheckpointer();  // stops the thread; the writer's connection checkpoints by itself again
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  uint64_t checkpoints() const { return done_.load(std::memory_order_acquire); }  // run so far, whole or not

 private:
  WalCheckpointer(sql::Db& writer, sql::Db own, int pages, std::function<void()> before);
  static int committed(void* self, sqlite3*, const char*, int frames);  // the writer's WAL hook
  void run();

  sql::Db& writer_;
  sql::Db own_;
  const int pages_;
  std::function<void()> before_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;
  bool stop_ = false;
  std::atomic<uint64_t> done_{0};
  std::thread thread_;
};

}  // namespace posd
