#include "storage/basket_store.h"

#include <filesystem>

#include "base/log.h"
#include "base/thread_name.h"

namespace posd {

namespace {

// Not the journal's synchronous=FULL: a commit reaches the OS, the flusher's
// checkpoint reaches the disk. The event loop's connection never syncs
// (OFF: not even a restarted WAL's header) and never checkpoints; the
// flusher's (NORMAL) syncs the WAL, header and all, before it writes the
// database file, and the database after. Nor does the loop's connection
// truncate the WAL when it starts it again after a sync (no
// journal_size_limit): that truncation is the put's, and ext4 makes it wait
// for the device to discard the freed blocks. The flusher gives the space
// back instead (give_back), and never waits for the loop (busy_timeout 0).
constexpr const char* kVfs = "unix-excl";
constexpr const char* kLoopPragmas = "PRAGMA synchronous=OFF; PRAGMA wal_autocheckpoint=0;";
constexpr const char* kFlusherPragmas = "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0; PRAGMA busy_timeout=0;";

// While puts go on, no checkpoint copies the WAL whole (each finds new
// frames after the ones it copied), so SQLite never starts it over: 64
// lanes scanning without a pause grew it past 100 MB. Past this size, a
// WAL copied whole is given back once the baskets have been quiet for a
// period.
constexpr uintmax_t kGiveBackBytes = uintmax_t{8} << 20;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS basket (
  id       TEXT PRIMARY KEY,
  terminal TEXT NOT NULL,
  body     TEXT NOT NULL
) STRICT;
)sql";

}  // namespace

Result<std::unique_ptr<BasketStore>> BasketStore::open(const std::string& path, std::chrono::milliseconds flush_every) {
  // posd's own file, which no other process opens while posd runs: SQLite's
  // unix-excl VFS locks it once for the process, and keeps the WAL's index
  // in memory shared by the two connections, so a put makes no lock calls
  // (it made eight, each a system call, at every scan).
  auto db = sql::Db::open(path, sql::Db::Mode::read_write_create, kVfs);
  if (!db) return db.status();
  if (Status s = db->exec(kLoopPragmas); !s) return s;
  if (Status s = db->exec(kSchema); !s) return s;
  auto flusher = sql::Db::open(path, sql::Db::Mode::read_write, kVfs);
  if (!flusher) return flusher.status();
  if (Status s = flusher->exec(kFlusherPragmas); !s) return s;
  return std::unique_ptr<BasketStore>(new BasketStore(std::move(*db), std::move(*flusher), flush_every));
}

BasketStore::BasketStore(sql::Db db, sql::Db flusher, std::chrono::milliseconds every)
    : db_(std::move(db)), flusher_db_(std::move(flusher)), every_(every), thread_([this] { run(); }) {}

BasketStore::~BasketStore() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (Status s = flush(); !s) log::get("baskets")->error("{}: the last baskets could not be synced: {}", path(), s.message());
  // The last connection to close checkpoints and removes the WAL: with the
  // flusher's syncs, not the loop's none.
  (void)db_.exec("PRAGMA synchronous=NORMAL");
}

Status BasketStore::put(const std::string& id, const std::string& terminal, const std::string& body) {
  auto st = db_.cached("INSERT INTO basket(id, terminal, body) VALUES (?1, ?2, ?3) "
                       "ON CONFLICT(id) DO UPDATE SET terminal = ?2, body = ?3");
  if (!st) return st.status();
  return note((*st)->bind(1, id).bind(2, terminal).bind(3, body).run());
}

Status BasketStore::remove(const std::string& id) {
  auto st = db_.cached("DELETE FROM basket WHERE id = ?1");
  if (!st) return st.status();
  return note((*st)->bind(1, id).run());
}

Status BasketStore::note(Status s) {
  if (s) changes_.fetch_add(1);
  disk_full_.store(s.code() == Status::Code::disk_full);
  return s;
}

Result<std::vector<BasketStore::Row>> BasketStore::all() {
  return sql::all<Row>(db_, "SELECT id, terminal, body FROM basket ORDER BY rowid",
                       [](sql::Stmt& st) { return Row{st.text(0), st.text(1), st.text(2)}; });
}

Result<bool> BasketStore::sync(sql::Db& db) {
  auto whole = checkpoint(db, "PASSIVE");
  if (whole) flushes_.fetch_add(1);
  return whole;
}

Result<bool> BasketStore::checkpoint(sql::Db& db, const char* mode) {
  // A checkpoint fsyncs the WAL before it copies it, and the database after.
  // It answers (busy, frames in the WAL, frames copied): a reader of another
  // process (an sqlite3 shell) can hold frames back, and then not all of them
  // are synced yet.
  auto st = db.prepare(std::string("PRAGMA wal_checkpoint(") + mode + ")");
  if (!st) return st.status();
  auto row = st->step();
  if (!row) return row.status();
  return !*row || (st->int64(0) == 0 && st->int64(1) == st->int64(2));
}

Status BasketStore::flush() {
  std::lock_guard lock(mu_);
  return sync_now();
}

Status BasketStore::sync_now() {
  const uint64_t seen = changes_.load();
  auto whole = sync(flusher_db_);
  if (!whole) {
    sync_failing_.store(true);
    return whole.status();
  }
  // Held back for a second or more, the power-cut bound no longer holds.
  held_back_ = *whole ? 0 : held_back_ + 1;
  sync_failing_.store(held_back_ * every_.count() >= 1000 && held_back_ >= 5);
  if (*whole) synced_ = seen;
  return Status::ok();
}

// Under mu_, nothing put since the last whole sync (or none made yet: a
// WAL left by a crash). TRUNCATE takes the WAL's write lock, which the
// loop's put also takes, and copies what is not copied yet under it; so a
// PASSIVE checkpoint first copies and syncs everything without that lock,
// and TRUNCATE follows only when it copied the WAL whole, leaving it the
// truncation itself (1-3.5 ms on ext4 with discard). A put that comes
// during it waits for it: the rare price of giving the space back, paid
// only after a quiet period. The flusher never waits for the loop: busy, it
// tries again after the next one.
void BasketStore::give_back() {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path() + "-wal", ec);
  if (ec || size <= kGiveBackBytes) return;
  auto copied = checkpoint(flusher_db_, "PASSIVE");
  if (!copied || !*copied) return;
  auto truncated = checkpoint(flusher_db_, "TRUNCATE");
  if (truncated && *truncated) given_back_.fetch_add(1);
}

void BasketStore::run() {
  name_this_thread("posd-baskets");
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, every_, [this] { return stop_; });
    if (stop_) continue;
    if (changes_.load() == synced_) {
      give_back();
      continue;
    }
    if (Status s = sync_now(); !s) {
      log::get("baskets")->error("{}: syncing the baskets failed (tried again in {} ms): {}", path(), every_.count(), s.message());
    }
  }
}

}  // namespace posd
