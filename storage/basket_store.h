// The open and parked baskets, kept on disk beside the journal (its own
// SQLite file, `<journal>.baskets`) so that a basket operation answered to a
// lane survives posd's crash, SIGKILL and restart. Baskets are not fiscal
// events: a put is committed to the operating system before it returns, not
// fsynced (a process death loses nothing); a flusher thread syncs the file
// every `flush_every` when something changed, so a power cut loses at most
// the basket operations of that last interval. The event loop's connection
// never fsyncs (synchronous=OFF, no checkpoints: SQLite syncs a restarted
// WAL's header only with the checkpointer's flags, and the flusher's
// checkpoint syncs the WAL before it writes the database). Not thread-safe: put, remove
// and all belong to one thread (the event loop); the flusher has its own
// connection. The file is posd's alone while it runs (SQLite's unix-excl
// VFS: no lock call at a put, the WAL's index in memory); another process,
// an sqlite3 shell too, opens it only when posd is stopped. The flusher,
// not a put, truncates a WAL grown large, after a quiet period.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/sqlite.h"

namespace posd {

class BasketStore {
 public:
  struct Row {
    std::string id;
    std::string terminal;
    std::string body;  // the basket's state as JSON text (checkout/basket.h)
  };

  static Result<std::unique_ptr<BasketStore>> open(const std::string& path,
                                                   std::chrono::milliseconds flush_every = std::chrono::milliseconds(200));
  // Syncs what is left, then stops the flusher.
  ~BasketStore();
  BasketStore(const BasketStore&) = delete;
  BasketStore& operator=(const BasketStore&) = delete;

  Status put(const std::string& id, const std::string& terminal, const std::string& body);
  Status remove(const std::string& id);
  Result<std::vector<Row>> all();
  // Syncs every put and remove made so far to the disk, now (blocking).
  Status flush();
  // True from a put or remove refused for a full disk until one succeeds.
  bool disk_full() const { return disk_full_.load(); }
  // True from a sync that failed until one succeeds: the power-cut bound
  // does not hold meanwhile (readiness says so).
  bool sync_failing() const { return sync_failing_.load(); }
  // How many syncs the flusher made (tests watch it work).
  uint64_t flushes() const { return flushes_.load(); }
  // How often the flusher gave a grown WAL's space back (a quiet period after
  // it grew past 8 MiB; the loop's put never truncates it).
  uint64_t given_back() const { return given_back_.load(); }
  const std::string& path() const { return db_.path(); }

 private:
  BasketStore(sql::Db db, sql::Db flusher, std::chrono::milliseconds every);
  void run();
  // One checkpoint, counted as a sync: true when it synced and copied the whole WAL.
  Result<bool> sync(sql::Db& db);
  // One checkpoint of `mode` (PASSIVE, TRUNCATE): true when the WAL was copied whole.
  static Result<bool> checkpoint(sql::Db& db, const char* mode);
  // sync() on the flusher's connection, and what it says (under mu_).
  Status sync_now();
  // Counts a change made, or notes a full disk.
  Status note(Status s);
  // Truncates a WAL grown past kGiveBackBytes (under mu_, when quiet).
  void give_back();

  sql::Db db_;
  sql::Db flusher_db_;
  std::chrono::milliseconds every_;
  std::mutex mu_;  // guards the flusher's connection, stop_ and the wake-up
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<uint64_t> changes_{0};  // puts and removes made
  uint64_t synced_ = 0;               // changes_ as of the last whole sync (under mu_)
  uint64_t held_back_ = 0;            // syncs in a row a reader held frames back in (under mu_)
  std::atomic<uint64_t> flushes_{0};
  std::atomic<uint64_t> given_back_{0};
  std::atomic<bool> disk_full_{false};
  std::atomic<bool> sync_failing_{false};
  std::thread thread_;
};

}  // namespace posd
