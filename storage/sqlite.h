// Thin RAII over the SQLite C API. A Db is one connection; it is not
// thread-safe: one thread uses it at a time. Statements must not outlive their
// Db. Errors come back as Status (SQLITE_FULL becomes Code::disk_full).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace posd::sql {

class Stmt;
class CachedStmt;

class Db {
 public:
  enum class Mode { read_write_create, read_write, read_only };

  // Opens `path` and applies posd's pragmas: WAL, synchronous=FULL,
  // foreign_keys=ON, busy_timeout. A read-only Db skips the journal_mode switch.
  // `vfs` names another of SQLite's VFS ("unix-excl": a file this process
  // alone opens, no lock calls after the first, its WAL index in memory).
  static Result<Db> open(const std::string& path, Mode mode = Mode::read_write_create, const char* vfs = nullptr);

  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs one or more statements that return no rows.
  Status exec(std::string_view sql);
  // Runs one statement that returns no rows from the cache below, compiled
  // once (BEGIN, COMMIT, SAVEPOINT …: the writer's every batch).
  Status run(const std::string& sql);
  // Compiles one statement. The Stmt borrows this Db.
  Result<Stmt> prepare(std::string_view sql);
  // The same, compiled once and kept by the Db for every later call (hot
  // paths). The handle resets the statement when it goes out of scope; use
  // one handle of a given SQL at a time.
  Result<CachedStmt> cached(const std::string& sql);
  // The first column of the first row as an integer (nullopt for no row).
  Result<std::optional<int64_t>> query_int(std::string_view sql);
  // The same for a cached statement with one text parameter ?1 (a point lookup).
  Result<std::optional<int64_t>> query_int(const std::string& sql, std::string_view key);

  int changes() const;
  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }

  // Maps the connection's last error (or `rc`) to a Status with `what` in front.
  Status error(int rc, std::string_view what) const;

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  void adopt_cache();
  sqlite3* db_ = nullptr;
  std::string path_;
  std::map<std::string, std::unique_ptr<Stmt>, std::less<>> cache_;
};

class Stmt {
 public:
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Binds by 1-based index; a bad index shows up as the error of step().
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind_null(int i);

  // One step: true when a row is ready, false when the statement is done.
  Result<bool> step();
  // Steps to completion, for statements that return no rows; then resets.
  Status run();
  // Ready for new bindings and a new run.
  void reset();

  int64_t int64(int col) const;
  std::string text(int col) const;
  bool is_null(int col) const;

 private:
  friend class Db;
  Stmt(Db* db, sqlite3_stmt* s) : db_(db), stmt_(s) {}
  Db* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = 0;
};

// A borrowed, reused statement of Db::cached(); reset on destruction.
class CachedStmt {
 public:
  explicit CachedStmt(Stmt* s) : s_(s) {}
  CachedStmt(CachedStmt&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  CachedStmt(const CachedStmt&) = delete;
  CachedStmt& operator=(const CachedStmt&) = delete;
  CachedStmt& operator=(CachedStmt&&) = delete;
  ~CachedStmt();
  Stmt* operator->() const { return s_; }
  Stmt& operator*() const { return *s_; }

 private:
  Stmt* s_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() ran.
// With a savepoint name, a part of the transaction already open: SAVEPOINT,
// RELEASE at commit(), and ROLLBACK TO (then RELEASE) when destroyed before.
class Txn {
 public:
  // Check status() before use: BEGIN can fail (busy, disk).
  explicit Txn(Db& db, std::string savepoint = {});
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn();

  const Status& status() const { return status_; }
  Status commit();

 private:
  Db& db_;
  std::string savepoint_;
  Status status_;
  bool open_ = false;
};

// One read transaction for what a piece of work reads (BEGIN … COMMIT on a
// connection that only reads): one snapshot for all of it, and the WAL's
// read lock taken once, not at every statement (each take and release is a
// system call). Does nothing inside a transaction already open. A failed
// BEGIN leaves the reads to run one by one, as without it.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Db& db);
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  ~ReadSnapshot();

 private:
  Db& db_;
  bool open_ = false;
};

// Every row of a cached statement with one integer parameter ?1 (a key, a
// limit), each turned into a Row by read(stmt) and handed to each(row), one
// at a time; the first failure each() returns stops the walk.
template <typename Row, typename Read, typename Each>
Status each(Db& db, const std::string& sql, int64_t key, Read read, Each each) {
  auto cached_st = db.cached(sql);
  if (!cached_st) return cached_st.status();
  Stmt* st = &**cached_st;
  st->bind(1, key);
  for (;;) {
    auto row = st->step();
    if (!row) return row.status();
    if (!*row) return Status::ok();
    if (Status s = each(read(*st)); !s) return s;
  }
}

// The same rows, all in a vector.
template <typename Row, typename Read>
Result<std::vector<Row>> all(Db& db, const std::string& sql, int64_t key, Read read) {
  std::vector<Row> out;
  Status s = each<Row>(db, sql, key, read, [&out](Row&& r) {
    out.push_back(std::move(r));
    return Status::ok();
  });
  if (!s) return s;
  return out;
}

// The row of a cached statement with one text parameter ?1 (an id, a name),
// turned into a Row by read(stmt); nullopt when there is none.
template <typename Row, typename Read>
Result<std::optional<Row>> one(Db& db, const std::string& sql, std::string_view key, Read read) {
  auto cached_st = db.cached(sql);
  if (!cached_st) return cached_st.status();
  Stmt* st = &**cached_st;
  st->bind(1, key);
  auto row = st->step();
  if (!row) return row.status();
  if (!*row) return std::optional<Row>();
  return std::optional<Row>(read(*st));
}

// Every row of a statement with no parameters (a whole small table, read
// once), each turned into a Row by read(stmt), all in a vector.
template <typename Row, typename Read>
Result<std::vector<Row>> all(Db& db, std::string_view sql, Read read) {
  auto st = db.prepare(sql);
  if (!st) return st.status();
  std::vector<Row> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.status();
    if (!*row) return out;
    out.push_back(read(*st));
  }
}

}  // namespace posd::sql
