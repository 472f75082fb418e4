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
    // 3: the checkout's state: catalog, stock, sales and returns, counters,
    // and the answers kept for Idempotency-Key retries.
    R"sql(
CREATE TABLE tax_class (
  id      TEXT    PRIMARY KEY,
  rate_bp INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000)
) STRICT;
CREATE TABLE item (
  sku            TEXT    PRIMARY KEY,
  name           TEXT    NOT NULL,
  price          INTEGER NOT NULL CHECK (price >= 0),
  unit           TEXT    NOT NULL CHECK (unit IN ('each', 'kg')),
  tax_class      TEXT    NOT NULL REFERENCES tax_class(id),
  low_stock      INTEGER NOT NULL DEFAULT 0,
  age_restricted INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE item_gtin (
  gtin TEXT PRIMARY KEY,
  sku  TEXT NOT NULL REFERENCES item(sku) ON DELETE CASCADE
) STRICT;
CREATE INDEX item_gtin_sku ON item_gtin(sku);
CREATE TABLE promotion (
  id         TEXT    PRIMARY KEY,
  type       TEXT    NOT NULL,
  skus       TEXT    NOT NULL,
  buy        INTEGER NOT NULL, pay INTEGER NOT NULL, qty INTEGER NOT NULL,
  price      INTEGER NOT NULL, percent_bp INTEGER NOT NULL,
  min_total  INTEGER NOT NULL, discount INTEGER NOT NULL
) STRICT;
CREATE TABLE stock (
  sku     TEXT    PRIMARY KEY,
  on_hand INTEGER NOT NULL
) STRICT;
CREATE TABLE stock_movement (
  seq   INTEGER NOT NULL,
  sku   TEXT    NOT NULL,
  delta INTEGER NOT NULL,
  kind  TEXT    NOT NULL
) STRICT;
CREATE INDEX stock_movement_sku ON stock_movement(sku, seq);
CREATE TABLE sale (
  receipt_no   INTEGER PRIMARY KEY,
  seq          INTEGER NOT NULL,
  period       INTEGER NOT NULL,
  business_day TEXT    NOT NULL,
  terminal     TEXT    NOT NULL,
  total        INTEGER NOT NULL,
  status       TEXT    NOT NULL CHECK (status IN ('completed', 'voided')),
  body         TEXT    NOT NULL
) STRICT;
CREATE INDEX sale_period ON sale(period);
CREATE TABLE sale_return (
  return_no  INTEGER PRIMARY KEY,
  receipt_no INTEGER,
  seq        INTEGER NOT NULL,
  period     INTEGER NOT NULL,
  terminal   TEXT    NOT NULL,
  refund     INTEGER NOT NULL,
  body       TEXT    NOT NULL
) STRICT;
CREATE INDEX sale_return_period ON sale_return(period);
CREATE INDEX sale_return_receipt ON sale_return(receipt_no);
CREATE TABLE counter (
  name  TEXT    PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT;
INSERT INTO counter(name, value) VALUES
  ('receipt_no', 0), ('return_no', 0), ('period', 1), ('z_no', 0), ('grand_total', 0);
CREATE TABLE idempotency (
  terminal TEXT    NOT NULL,
  key      TEXT    NOT NULL,
  request  TEXT    NOT NULL,
  status   INTEGER NOT NULL,
  body     TEXT    NOT NULL,
  PRIMARY KEY (terminal, key)
) STRICT;
)sql",
    // 4: what HQ's down-log brings that has no table yet: click-and-collect
    // reservations, terminals provisioned by HQ, the entries the store could
    // not apply (quarantine), and when HQ last acknowledged (unix ms).
    R"sql(
CREATE TABLE reservation (
  order_id TEXT    PRIMARY KEY,
  lines    TEXT    NOT NULL,
  status   TEXT    NOT NULL CHECK (status IN ('reserved', 'released', 'picked')),
  seq      INTEGER NOT NULL
) STRICT;
CREATE TABLE down_quarantine (
  id     INTEGER PRIMARY KEY,
  hq_seq INTEGER,
  kind   TEXT    NOT NULL,
  reason TEXT    NOT NULL,
  body   TEXT    NOT NULL,
  at     TEXT    NOT NULL
) STRICT;
INSERT INTO cursor(name, value) VALUES ('hq_ack_at_ms', 0);
CREATE TABLE hq_terminal (
  id           TEXT PRIMARY KEY,
  token_sha256 TEXT NOT NULL UNIQUE,
  role         TEXT NOT NULL CHECK (role IN ('cashier', 'supervisor'))
) STRICT;
)sql",
    // 5: marks kept beside the journal (storage/chain_check.h): the head the
    // writer last wrote, the checkpoint verified up to (signed), and the
    // event HQ last acknowledged holding.
    R"sql(
CREATE TABLE journal_mark (
  name      TEXT    PRIMARY KEY CHECK (name IN ('head', 'checkpoint', 'hq_ack')),
  seq       INTEGER NOT NULL,
  hash      TEXT    NOT NULL,
  signature TEXT    NOT NULL,
  at        TEXT    NOT NULL
) STRICT;
INSERT INTO journal_mark(name, seq, hash, signature, at)
  SELECT 'head', seq, hash, '', ts FROM journal ORDER BY seq DESC LIMIT 1;
)sql",
    // 6: how many times each receipt was issued: the sale is the original,
    // every later issue (printed again, fetched as text) is a numbered copy.
    R"sql(
ALTER TABLE sale ADD COLUMN copies INTEGER NOT NULL DEFAULT 1;
)sql",
    // 7: baskets holding a tender, kept until they end (sale, cancel,
    // abandonment), so that one lost to a crash is journaled at the next start.
    R"sql(
CREATE TABLE basket_kept (
  id       TEXT PRIMARY KEY,
  terminal TEXT NOT NULL,
  record   TEXT NOT NULL
) STRICT;
)sql",
    // 8: the closures journaled: each Z (kind 'day', its business day), and
    // the monthly and yearly closures that sum them ('month' YYYY-MM, 'year'
    // YYYY). closed_by: the seq of the closure that took this one in.
    R"sql(
CREATE TABLE closure (
  kind      TEXT    NOT NULL CHECK (kind IN ('day', 'month', 'year')),
  no        INTEGER NOT NULL CHECK (no >= 1),
  period    TEXT    NOT NULL,
  seq       INTEGER NOT NULL UNIQUE,
  closed_by INTEGER,
  PRIMARY KEY (kind, no)
) STRICT;
CREATE UNIQUE INDEX closure_month_year ON closure(kind, period) WHERE kind <> 'day';
INSERT INTO closure(kind, no, period, seq)
  SELECT 'day', json_extract(payload, '$.z_no'), json_extract(payload, '$.business_day'), seq
  FROM journal WHERE type = 'z_report' ORDER BY seq;
)sql",
    // 9: the baskets that ended (a sale, a cancel, an abandonment), each with
    // the seq of its event: the baskets kept beside the journal
    // (storage/basket_store.h) are dropped from it after the journal's
    // commit, so the next start drops the ones a crash left behind.
    R"sql(
CREATE TABLE basket_ended (
  id  TEXT    PRIMARY KEY,
  seq INTEGER NOT NULL
) STRICT;
)sql",
    // 10: the store's settings that tools need too (the local day's time
    // zone and turn: storage/store_tables.h).
    R"sql(
CREATE TABLE store_setting (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
)sql",
    // 11: a store's day: reason codes HQ provisioned through the down-log
    // (kind reason_code; the configuration file's are not stored), and the
    // operators who sign on at the lanes, their PINs only as scrypt hashes
    // (base/pin.h), with their wrong tries and lockout; and the tills (cash
    // drawers) opened at a lane, each until its close (the figures come
    // from the journal's events between the two).
    R"sql(
CREATE TABLE hq_reason_code (
  use   TEXT NOT NULL,
  code  TEXT NOT NULL,
  label TEXT NOT NULL,
  PRIMARY KEY (use, code)
) STRICT;
CREATE TABLE operator (
  id           TEXT    PRIMARY KEY,
  name         TEXT    NOT NULL,
  role         TEXT    NOT NULL,
  pin_hash     TEXT    NOT NULL,
  source       TEXT    NOT NULL,
  failed       INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE till_session (
  id         INTEGER PRIMARY KEY,
  till       TEXT    NOT NULL,
  terminal   TEXT    NOT NULL,
  opened_seq INTEGER NOT NULL,
  float      INTEGER NOT NULL,
  closed_seq INTEGER,
  expected   INTEGER,
  counted    INTEGER
) STRICT;
CREATE UNIQUE INDEX till_open ON till_session(till) WHERE closed_seq IS NULL;
CREATE UNIQUE INDEX till_open_terminal ON till_session(terminal) WHERE closed_seq IS NULL;
)sql",
    // 12: the last event of each numbered kind, found at once by the state
    // check at start (checkout/state_check.h) however long the journal.
    R"sql(
CREATE INDEX journal_sale ON journal(seq) WHERE type = 'sale';
CREATE INDEX journal_return ON journal(seq) WHERE type = 'return';
CREATE INDEX journal_z_report ON journal(seq) WHERE type = 'z_report';
)sql",
    // 13: how many times the promotions were written (storage/catalog.h
    // moves it with every write of them): the checkout keeps them in memory
    // and reads them again when this moves, whichever process wrote.
    R"sql(
CREATE TABLE catalog_version (
  part TEXT    PRIMARY KEY,
  n    INTEGER NOT NULL
) STRICT;
INSERT INTO catalog_version(part, n) VALUES ('promotions', 0);
)sql",
    // 14: fewer pages a sale writes. The stock's movements are indexed by the
    // seq that made them, appended at the index's end, where (sku, seq) put
    // each line's movement on a page of its own (a stock snapshot's rebase
    // reads the movements after its seq once). The stock and the baskets
    // ended are one b-tree each, keyed by sku or id (WITHOUT ROWID), instead
    // of a table and the index of its key. (The baskets kept stay a rowid
    // table: a kept basket's record passes 1 KB, which a WITHOUT ROWID row
    // would spill to an overflow page.)
    R"sql(
DROP INDEX stock_movement_sku;
CREATE INDEX stock_movement_seq ON stock_movement(seq);
CREATE TABLE stock_by_sku (
  sku     TEXT    PRIMARY KEY,
  on_hand INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO stock_by_sku(sku, on_hand) SELECT sku, on_hand FROM stock;
DROP TABLE stock;
ALTER TABLE stock_by_sku RENAME TO stock;
CREATE TABLE basket_ended_by_id (
  id  TEXT    PRIMARY KEY,
  seq INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO basket_ended_by_id(id, seq) SELECT id, seq FROM basket_ended;
DROP TABLE basket_ended;
ALTER TABLE basket_ended_by_id RENAME TO basket_ended;
)sql",
    // 15: the catalog one b-tree a table. An item is found by its sku, and a
    // GTIN by itself, in the table's own b-tree (WITHOUT ROWID) instead of
    // the key's index and then the table: a scan reads two b-trees, not four,
    // and a catalog's apply writes two for a new item where it wrote five.
    // The GTINs of an item are read from the sku's index, which holds the
    // GTIN too (the key of a WITHOUT ROWID table), in order. The new GTIN
    // table names the new item table (a DROP TABLE's implicit delete would
    // cascade to the GTINs of the old one), and the renames carry that over.
    R"sql(
CREATE TABLE item_by_sku (
  sku            TEXT    PRIMARY KEY,
  name           TEXT    NOT NULL,
  price          INTEGER NOT NULL CHECK (price >= 0),
  unit           TEXT    NOT NULL CHECK (unit IN ('each', 'kg')),
  tax_class      TEXT    NOT NULL REFERENCES tax_class(id),
  low_stock      INTEGER NOT NULL DEFAULT 0,
  age_restricted INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
INSERT INTO item_by_sku(sku, name, price, unit, tax_class, low_stock, age_restricted)
  SELECT sku, name, price, unit, tax_class, low_stock, age_restricted FROM item;
CREATE TABLE item_gtin_by_gtin (
  gtin TEXT PRIMARY KEY,
  sku  TEXT NOT NULL REFERENCES item_by_sku(sku) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
INSERT INTO item_gtin_by_gtin(gtin, sku) SELECT gtin, sku FROM item_gtin;
DROP TABLE item_gtin;
DROP TABLE item;
ALTER TABLE item_by_sku RENAME TO item;
ALTER TABLE item_gtin_by_gtin RENAME TO item_gtin;
CREATE INDEX item_gtin_sku ON item_gtin(sku);
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
