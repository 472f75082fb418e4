#include "storage/stock.h"

namespace posd::stock {

Result<int64_t> on_hand(sql::Db& db, const std::string& sku) {
  auto v = db.query_int("SELECT on_hand FROM stock WHERE sku = ?1", sku);
  if (!v) return v.status();
  return v->value_or(0);
}

Result<std::vector<Low>> below_threshold(sql::Db& db, int64_t limit) {
  return sql::all<Low>(
      db,
      "SELECT i.sku, i.name, i.unit, COALESCE(s.on_hand, 0) AS n, i.low_stock FROM item i "
      "LEFT JOIN stock s ON s.sku = i.sku WHERE i.low_stock > 0 AND COALESCE(s.on_hand, 0) < i.low_stock "
      "ORDER BY CAST(n AS REAL) / i.low_stock, i.sku LIMIT ?1",
      limit, [](const sql::Stmt& st) { return Low{st.text(0), st.text(1), st.text(2), st.int64(3), st.int64(4)}; });
}

Result<Moved> move(sql::Db& db, const std::string& sku, int64_t delta, uint64_t seq, std::string_view kind) {
  // One statement reads and moves: the row after, less the delta, is the row
  // before (a sum past int64 is REAL in SQLite, which the STRICT table refuses).
  auto cached_up = db.cached(
      "INSERT INTO stock(sku, on_hand) VALUES (?1, ?2) "
      "ON CONFLICT(sku) DO UPDATE SET on_hand = on_hand + ?2 RETURNING on_hand");
  if (!cached_up) return cached_up.status();
  sql::Stmt* up = &**cached_up;
  auto row = up->bind(1, sku).bind(2, delta).step();
  if (!row) return row.status();
  if (!*row) return Status::corruption("stock of " + sku + ": the move returned no row");
  const int64_t after = up->int64(0);
  if (Status s = up->run(); !s) return s;  // to its end: RETURNING's row is out before the statement is
  auto cached_mv = db.cached("INSERT INTO stock_movement(seq, sku, delta, kind) VALUES (?1, ?2, ?3, ?4)");
  if (!cached_mv) return cached_mv.status();
  sql::Stmt* mv = &**cached_mv;
  if (Status s = mv->bind(1, static_cast<int64_t>(seq)).bind(2, sku).bind(3, delta).bind(4, kind).run(); !s) return s;
  return Moved{after - delta, after};
}

Result<Moved> count(sql::Db& db, const std::string& sku, int64_t value, uint64_t seq) {
  auto before = on_hand(db, sku);
  if (!before) return before.status();
  return move(db, sku, value - *before, seq, "count");
}

}  // namespace posd::stock
