#include "hq/sqlite_feed.h"

#include <algorithm>

namespace posd::hq::sqlite_feed {

namespace {

int64_t i64(uint64_t v) { return static_cast<int64_t>(v); }

}  // namespace

Status schema(sql::Db& db) {
  // The index serves each store's count of entries it could not apply (positions()).
  return db.exec(
      "CREATE TABLE IF NOT EXISTS hq_feed (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, body TEXT NOT NULL) "
      "STRICT; CREATE INDEX IF NOT EXISTS hq_down_outcome_quarantined ON hq_down_outcome (store_id) WHERE NOT applied");
}

Status write(sql::Db& db, const FeedDraft& d) {
  if (!d.skus.empty()) {
    auto st = db.cached(
        "INSERT INTO hq_feed(at, body) SELECT ?3, json_object('type', 'stock', 'store_id', k.store_id, 'at', ?3, "
        "'sku', k.sku, 'on_hand', k.on_hand, 'reserved', k.reserved, 'available', MAX(k.on_hand, 0), "
        "'moved_seq', k.seq, 'as_of_seq', s.acked_seq) "
        "FROM hq_stock k JOIN hq_store s ON s.store_id = k.store_id WHERE k.store_id = ?1 AND k.sku = ?2");
    if (!st) return st.status();
    for (const std::string& sku : d.skus) {
      if (Status s = (*st)->bind(1, d.store_id).bind(2, sku).bind(3, d.at).run(); !s) return s;
    }
  }
  for (const std::string& item : d.items) {
    if (Status s = note(db, d.at, item); !s) return s;
  }
  return Status::ok();
}

Status note(sql::Db& db, const std::string& at, const std::string& item) {
  auto st = db.cached("INSERT INTO hq_feed(at, body) VALUES (?1, ?2)");
  if (!st) return st.status();
  return (*st)->bind(1, at).bind(2, item).run();
}

Result<std::vector<FeedRow>> read(sql::Db& db, uint64_t after, size_t limit) {
  auto st = db.cached("SELECT id, at, body FROM hq_feed WHERE id > ?1 ORDER BY id LIMIT ?2");
  if (!st) return st.status();
  (*st)->bind(1, i64(after)).bind(2, i64(limit));
  std::vector<FeedRow> out;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return row.status();
    if (!*row) return out;
    out.push_back(FeedRow{static_cast<uint64_t>((*st)->int64(0)), (*st)->text(1), (*st)->text(2)});
  }
}

Result<FeedBounds> bounds(sql::Db& db) {
  // AUTOINCREMENT keeps the highest id ever given in sqlite_sequence.
  auto st = db.cached(
      "SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0), "
      "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'hq_feed'), 0) FROM hq_feed");
  if (!st) return st.status();
  auto row = (*st)->step();
  if (!row) return row.status();
  FeedBounds out{static_cast<uint64_t>((*st)->int64(0)), static_cast<uint64_t>((*st)->int64(1)),
                 static_cast<uint64_t>((*st)->int64(2))};
  (*st)->reset();
  out.given = std::max(out.given, out.last);
  return out;
}

Status drop(sql::Db& db, uint64_t through) {
  auto st = db.cached("DELETE FROM hq_feed WHERE id <= ?1");
  if (!st) return st.status();
  return (*st)->bind(1, i64(through)).run();
}

}  // namespace posd::hq::sqlite_feed
