#include "storage/basket_store.h"

#include "base/log.h"

namespace posd {

namespace {

// Not the journal's synchronous=FULL: a commit reaches the OS, the flusher's
// checkpoint reaches the disk. The event loop never checkpoints (that fsyncs).
constexpr const char* kPragmas = "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=1048576;";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS basket (
  id       TEXT PRIMARY KEY,
  terminal TEXT NOT NULL,
  body     TEXT NOT NULL
) STRICT;
)sql";

}  // namespace

Result<std::unique_ptr<BasketStore>> BasketStore::open(const std::string& path, std::chrono::milliseconds flush_every) {
  auto db = sql::Db::open(path);
  if (!db) return db.status();
  if (Status s = db->exec(kPragmas); !s) return s;
  if (Status s = db->exec(kSchema); !s) return s;
  auto flusher = sql::Db::open(path, sql::Db::Mode::read_write);
  if (!flusher) return flusher.status();
  if (Status s = flusher->exec(kPragmas); !s) return s;
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
  auto st = db_.prepare("SELECT id, terminal, body FROM basket ORDER BY rowid");
  if (!st) return st.status();
  std::vector<Row> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.status();
    if (!*row) return out;
    out.push_back({st->text(0), st->text(1), st->text(2)});
  }
}

Status BasketStore::sync(sql::Db& db) {
  // A checkpoint fsyncs the WAL before it copies it, and the database after.
  Status s = db.exec("PRAGMA wal_checkpoint(PASSIVE)");
  if (s) flushes_.fetch_add(1);
  return s;
}

Status BasketStore::flush() {
  std::lock_guard lock(mu_);
  const uint64_t seen = changes_.load();
  Status s = sync(flusher_db_);
  if (s) synced_ = seen;
  return s;
}

void BasketStore::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, every_, [this] { return stop_; });
    const uint64_t seen = changes_.load();
    if (stop_ || seen == synced_) continue;
    if (Status s = sync(flusher_db_); !s) {
      log::get("baskets")->error("{}: syncing the baskets failed (retried in {} ms): {}", path(), every_.count(), s.message());
      continue;
    }
    synced_ = seen;
  }
}

}  // namespace posd
