#include "storage/sqlite.h"

#include <sqlite3.h>

#include <utility>

namespace posd::sql {

namespace {
constexpr int kBusyTimeoutMs = 5000;
}  // namespace

Result<Db> Db::open(const std::string& path, Mode mode, const char* vfs) {
  // Before SQLite's first use in the process: no count of its memory in use,
  // which it keeps under one mutex for every connection of every thread.
  // With it, the event loop's reads waited at an allocation for the
  // journal's writer (and the writer for the loop), the longer when the
  // holder had lost its core. SQLITE_MISUSE if SQLite was started already.
  static const int uncounted = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)uncounted;
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (mode) {
    case Mode::read_write_create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    case Mode::read_write: flags |= SQLITE_OPEN_READWRITE; break;
    case Mode::read_only: flags |= SQLITE_OPEN_READONLY; break;
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, vfs);
  Db db(raw, path);
  if (rc != SQLITE_OK) {
    return raw ? db.error(rc, "open " + path)
               : Status::io_error("open " + path + ": out of memory");
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  std::string pragmas = "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;";
  if (mode != Mode::read_only) pragmas = "PRAGMA journal_mode=WAL; " + pragmas;
  if (Status s = db.exec(pragmas); !s) return s;
  // A file that is not a database only shows itself on the first real read.
  if (auto v = db.query_int("PRAGMA user_version"); !v) return v.status();
  return db;
}

Db::Db(Db&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)), path_(std::move(o.path_)), cache_(std::move(o.cache_)) {
  adopt_cache();
}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    cache_.clear();
    if (db_) sqlite3_close_v2(db_);
    db_ = std::exchange(o.db_, nullptr);
    path_ = std::move(o.path_);
    cache_ = std::move(o.cache_);
    adopt_cache();
  }
  return *this;
}

Db::~Db() {
  cache_.clear();  // statements before the connection
  if (db_) sqlite3_close_v2(db_);
}

void Db::adopt_cache() {
  for (auto& [sql, st] : cache_) st->db_ = this;
}

Result<CachedStmt> Db::cached(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    auto st = prepare(sql);
    if (!st) return st.status();
    it = cache_.emplace(sql, std::make_unique<Stmt>(std::move(*st))).first;
  }
  return CachedStmt(it->second.get());
}

CachedStmt::~CachedStmt() {
  if (s_) s_->reset();
}

Status Db::error(int rc, std::string_view what) const {
  std::string msg(what);
  msg += ": ";
  msg += db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_FULL: return Status::disk_full(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Status::corruption(msg);
    case SQLITE_CONSTRAINT: return Status::conflict(msg);
    default: return Status::io_error(msg);
  }
}

Status Db::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) return error(rc, "exec");
  return Status::ok();
}

Status Db::run(const std::string& sql) {
  auto st = cached(sql);
  if (!st) return st.status();
  return (**st).run();
}

Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) return error(rc, "prepare");
  return Stmt(this, s);
}

Result<std::optional<int64_t>> Db::query_int(std::string_view sql) {
  auto st = prepare(sql);
  if (!st) return st.status();
  auto row = st->step();
  if (!row) return row.status();
  if (!*row || st->is_null(0)) return std::optional<int64_t>{};
  return std::optional<int64_t>{st->int64(0)};
}

Result<std::optional<int64_t>> Db::query_int(const std::string& sql, std::string_view key) {
  auto st = cached(sql);
  if (!st) return st.status();
  (*st)->bind(1, key);
  auto row = (*st)->step();
  if (!row) return row.status();
  if (!*row || (*st)->is_null(0)) return std::optional<int64_t>{};
  return std::optional<int64_t>{(*st)->int64(0)};
}

int Db::changes() const { return sqlite3_changes(db_); }

Stmt::Stmt(Stmt&& o) noexcept
    : db_(o.db_), stmt_(std::exchange(o.stmt_, nullptr)), bind_rc_(o.bind_rc_) {}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = std::exchange(o.stmt_, nullptr);
    bind_rc_ = o.bind_rc_;
  }
  return *this;
}

Stmt::~Stmt() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Stmt& Stmt::bind(int i, int64_t v) {
  int rc = sqlite3_bind_int64(stmt_, i, v);
  if (rc != SQLITE_OK && bind_rc_ == 0) bind_rc_ = rc;
  return *this;
}

Stmt& Stmt::bind(int i, std::string_view v) {
  int rc = sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_rc_ == 0) bind_rc_ = rc;
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  int rc = sqlite3_bind_null(stmt_, i);
  if (rc != SQLITE_OK && bind_rc_ == 0) bind_rc_ = rc;
  return *this;
}

Result<bool> Stmt::step() {
  if (bind_rc_ != 0) return db_->error(bind_rc_, "bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status s = db_->error(rc, "step");
  sqlite3_reset(stmt_);
  return s;
}

Status Stmt::run() {
  Result<bool> r = step();
  while (r && *r) r = step();
  Status s = r.status();
  reset();
  return s;
}

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = 0;
}

int64_t Stmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Stmt::text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

bool Stmt::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Txn::Txn(Db& db, std::string savepoint) : db_(db), savepoint_(std::move(savepoint)) {
  status_ = db_.run(savepoint_.empty() ? "BEGIN IMMEDIATE" : "SAVEPOINT " + savepoint_);
  open_ = status_.is_ok();
}

Txn::~Txn() {
  if (!open_) return;
  if (savepoint_.empty()) {
    db_.run("ROLLBACK");
  } else if (db_.run("ROLLBACK TO " + savepoint_)) {
    db_.run("RELEASE " + savepoint_);
  }
}

Status Txn::commit() {
  if (!open_) return status_.is_ok() ? Status::unavailable("transaction already ended") : status_;
  Status s = db_.run(savepoint_.empty() ? "COMMIT" : "RELEASE " + savepoint_);
  if (s) open_ = false;
  return s;
}

ReadSnapshot::ReadSnapshot(Db& db) : db_(db) {
  if (sqlite3_get_autocommit(db_.handle())) open_ = static_cast<bool>(db_.run("BEGIN"));
}

ReadSnapshot::~ReadSnapshot() {
  // A read that failed may have ended the transaction already (SQLite rolls
  // back on some errors): then there is nothing to end.
  if (!open_ || sqlite3_get_autocommit(db_.handle())) return;
  // A read left stepped and not reset does not keep COMMIT from ending a
  // read transaction; should COMMIT fail all the same, ROLLBACK ends it: a
  // snapshot held on would keep every checkpoint from the WAL's end.
  if (!db_.run("COMMIT")) (void)db_.run("ROLLBACK");
}

}  // namespace posd::sql
