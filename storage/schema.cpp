#include "storage/schema.h"

#include <array>
#include <string>

namespace posd::schema {

namespace {

// Append only: a released migration is never edited, a change is a new entry.
constexpr std::array kMigrations = {
    // 1: the journal. Rows are never updated or deleted, and seq is gap-free.
    R"sql(
CREATE TABLE journal (
  seq          INTEGER PRIMARY KEY,
  ts           TEXT    NOT NULL,
  business_day TEXT    NOT NULL,
  type         TEXT    NOT NULL,
  payload      TEXT    NOT NULL,
  prev_hash    TEXT    NOT NULL,
  hash         TEXT    NOT NULL,
  signature    TEXT    NOT NULL
) STRICT;
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
CREATE TRIGGER journal_gap_free BEFORE INSERT ON journal
WHEN NEW.seq IS NOT (SELECT IFNULL(MAX(seq), 0) + 1 FROM journal)
BEGIN SELECT RAISE(ABORT, 'journal seq must follow the last one'); END;
)sql",
    // 2: cursors (hq_acked_seq, hq_applied_seq, ...): named positions in the
    // two logs, moved in the same transaction as what they count.
    R"sql(
CREATE TABLE cursor (
  name  TEXT    PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT;
INSERT INTO cursor(name, value) VALUES ('hq_acked_seq', 0), ('hq_applied_seq', 0);
)sql",
};

}  // namespace

int latest_version() { return static_cast<int>(kMigrations.size()); }

Result<int> version(sql::Db& db) {
  auto v = db.query_int("PRAGMA user_version");
  if (!v) return v.status();
  return static_cast<int>(v->value_or(0));
}

Status migrate(sql::Db& db, int target) {
  if (target < 0) target = latest_version();
  auto current = version(db);
  if (!current) return current.status();
  if (*current > latest_version()) {
    return Status::invalid_argument("database schema version " + std::to_string(*current) +
                                    " is newer than this posd knows (" +
                                    std::to_string(latest_version()) + "); refusing to downgrade");
  }
  for (int v = *current; v < target; ++v) {
    sql::Txn txn(db);
    if (!txn.status()) return txn.status();
    if (Status s = db.exec(kMigrations[static_cast<size_t>(v)]); !s) {
      if (s.code() == Status::Code::disk_full) return s;
      return Status::io_error("migration " + std::to_string(v + 1) + ": " + s.message());
    }
    if (Status s = db.exec("PRAGMA user_version = " + std::to_string(v + 1)); !s) return s;
    if (Status s = txn.commit(); !s) return s;
  }
  return Status::ok();
}

}  // namespace posd::schema
