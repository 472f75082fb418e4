#include "storage/cursor.h"

#include <string>

namespace posd::cursor {

Result<uint64_t> read(sql::Db& db, std::string_view name) {
  auto v = db.query_int("SELECT value FROM cursor WHERE name = ?1", name);
  if (!v) return v.status();
  if (!*v) return Status::not_found("no cursor named " + std::string(name));
  return static_cast<uint64_t>(**v);
}

Status advance(sql::Db& db, std::string_view name, uint64_t value) {
  auto cached_st = db.cached("UPDATE cursor SET value = ?2 WHERE name = ?1 AND value < ?2");
  if (!cached_st) return cached_st.status();
  sql::Stmt* st = &**cached_st;
  st->bind(1, name).bind(2, static_cast<int64_t>(value));
  if (Status s = st->run(); !s) return s;
  if (db.changes() == 0) {
    if (auto cur = read(db, name); !cur) return cur.status();
  }
  return Status::ok();
}

Status set(sql::Db& db, std::string_view name, uint64_t value) {
  auto st = db.cached("INSERT INTO cursor(name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET value = excluded.value");
  if (!st) return st.status();
  return (*st)->bind(1, name).bind(2, static_cast<int64_t>(value)).run();
}

}  // namespace posd::cursor
