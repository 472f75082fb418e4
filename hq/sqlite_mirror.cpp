#include "hq/sqlite_mirror.h"

#include "base/clock.h"

namespace posd::hq::sqlite_mirror {

namespace {

constexpr const char* kMirrorSchema = R"sql(
CREATE TABLE IF NOT EXISTS hq_stock (
  store_id TEXT    NOT NULL,
  sku      TEXT    NOT NULL,
  on_hand  INTEGER NOT NULL,
  reserved INTEGER NOT NULL DEFAULT 0,
  seq      INTEGER NOT NULL,
  PRIMARY KEY (store_id, sku)
) STRICT;
CREATE INDEX IF NOT EXISTS hq_stock_sku ON hq_stock (sku);
CREATE INDEX IF NOT EXISTS hq_rejected_store ON hq_rejected (store_id);
CREATE TABLE IF NOT EXISTS hq_sales (
  store_id     TEXT    NOT NULL,
  business_day TEXT    NOT NULL,
  hour         INTEGER NOT NULL,
  sku          TEXT    NOT NULL,
  count        INTEGER NOT NULL,
  quantity     INTEGER NOT NULL,
  amount       INTEGER NOT NULL,
  returned     INTEGER NOT NULL,
  refunded     INTEGER NOT NULL,
  PRIMARY KEY (store_id, business_day, hour, sku)
) STRICT;
CREATE TABLE IF NOT EXISTS hq_down_outcome (
  store_id  TEXT    NOT NULL,
  hq_seq    INTEGER NOT NULL,
  store_seq INTEGER NOT NULL,
  applied   INTEGER NOT NULL,
  kind      TEXT    NOT NULL,
  reason    TEXT    NOT NULL,
  PRIMARY KEY (store_id, hq_seq)
) STRICT;
CREATE TABLE IF NOT EXISTS hq_reservation (
  store_id  TEXT    NOT NULL,
  order_id  TEXT    NOT NULL,
  status    TEXT    NOT NULL,
  lines     TEXT    NOT NULL,
  store_seq INTEGER NOT NULL,
  PRIMARY KEY (store_id, order_id)
) STRICT;
CREATE TABLE IF NOT EXISTS hq_change (
  id        INTEGER PRIMARY KEY,
  kind      TEXT    NOT NULL,
  at        TEXT    NOT NULL,
  entries   INTEGER NOT NULL,
  order_ref TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS hq_change_order ON hq_change (order_ref) WHERE order_ref IS NOT NULL;
CREATE TABLE IF NOT EXISTS hq_catalog_sku (
  sku TEXT PRIMARY KEY
) STRICT;
CREATE TABLE IF NOT EXISTS hq_change_store (
  change_id INTEGER NOT NULL,
  store_id  TEXT    NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq  INTEGER NOT NULL,
  PRIMARY KEY (change_id, store_id)
) STRICT;
)sql";

int64_t i64(uint64_t v) { return static_cast<int64_t>(v); }

// Each row of `st` handed to each(st) until the rows end or each fails.
template <typename Each>
Status rows(sql::Stmt& st, Each each) {
  for (;;) {
    auto row = st.step();
    if (!row) return row.status();
    if (!*row) return Status::ok();
    if (Status s = each(st); !s) return s;
  }
}

}  // namespace

Status schema(sql::Db& db) { return db.exec(kMirrorSchema); }

Status clear(sql::Db& db) {
  return db.exec("DELETE FROM hq_stock; DELETE FROM hq_sales; DELETE FROM hq_down_outcome; DELETE FROM hq_reservation;");
}

Result<std::optional<Event>> held_sale(sql::Db& db, const std::string& store_id, std::optional<uint64_t> seq,
                                       int64_t receipt_no) {
  // Journals from before voids named their sale's seq: found by receipt number.
  auto st = seq ? db.cached("SELECT seq, ts, business_day, type, payload FROM hq_event WHERE store_id = ?1 AND seq = ?2")
                : db.cached("SELECT seq, ts, business_day, type, payload FROM hq_event WHERE store_id = ?1 AND "
                            "type = 'sale' AND json_extract(payload, '$.receipt_no') = ?2");
  if (!st) return st.status();
  (*st)->bind(1, store_id).bind(2, seq ? i64(*seq) : receipt_no);
  auto row = (*st)->step();
  if (!row) return row.status();
  if (!*row) return std::optional<Event>();
  auto payload = nlohmann::json::parse((*st)->text(4), nullptr, false);
  if (payload.is_discarded()) return Status::corruption("HQ holds a payload that is not JSON");
  Event e;
  e.seq = static_cast<uint64_t>((*st)->int64(0));
  e.ts = (*st)->text(1);
  e.business_day = (*st)->text(2);
  e.type = (*st)->text(3);
  e.payload = std::move(payload);
  return std::optional<Event>(std::move(e));
}

// Over 40 lines: one statement per table, in turn.
Status apply(sql::Db& db, const std::string& store_id, const MirrorDelta& d) {
  if (!d.stock.empty()) {
    static const std::string sql =
        "INSERT INTO hq_stock(store_id, sku, on_hand, reserved, seq) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT(store_id, sku) DO UPDATE SET on_hand = CASE WHEN ?6 THEN excluded.on_hand ELSE " +
        sql_checked_add("on_hand", "excluded.on_hand") + " END, reserved = " + sql_checked_add("reserved", "excluded.reserved") +
        ", seq = excluded.seq";
    auto st = db.cached(sql);
    if (!st) return st.status();
    for (const auto& [sku, f] : d.stock) {
      const int64_t v = f.set ? *f.set : f.delta;
      if (Status s = (*st)->bind(1, store_id).bind(2, sku).bind(3, v).bind(4, f.reserved).bind(5, i64(f.seq))
                         .bind(6, int64_t{f.set ? 1 : 0}).run(); !s) {
        return s;
      }
    }
  }
  if (!d.sales.empty()) {
    static const std::string sql =
        "INSERT INTO hq_sales(store_id, business_day, hour, sku, count, quantity, amount, returned, refunded) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO UPDATE SET count = " +
        sql_checked_add("count", "excluded.count") + ", quantity = " + sql_checked_add("quantity", "excluded.quantity") +
        ", amount = " + sql_checked_add("amount", "excluded.amount") + ", returned = " +
        sql_checked_add("returned", "excluded.returned") + ", refunded = " + sql_checked_add("refunded", "excluded.refunded");
    auto st = db.cached(sql);
    if (!st) return st.status();
    for (const auto& [k, f] : d.sales) {
      if (Status s = (*st)->bind(1, store_id).bind(2, k.business_day).bind(3, int64_t{k.hour}).bind(4, k.sku)
                         .bind(5, f.count).bind(6, f.quantity).bind(7, f.amount).bind(8, f.returned).bind(9, f.refunded)
                         .run(); !s) {
        return s;
      }
    }
  }
  if (!d.outcomes.empty()) {
    auto st = db.cached(
        "INSERT OR REPLACE INTO hq_down_outcome(store_id, hq_seq, store_seq, applied, kind, reason) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st) return st.status();
    for (const DownOutcome& o : d.outcomes) {
      if (Status s = (*st)->bind(1, store_id).bind(2, i64(o.hq_seq)).bind(3, i64(o.store_seq))
                         .bind(4, int64_t{o.applied ? 1 : 0}).bind(5, o.kind).bind(6, o.reason).run(); !s) {
        return s;
      }
    }
  }
  if (!d.reservations.empty()) {
    auto st = db.cached(
        "INSERT OR REPLACE INTO hq_reservation(store_id, order_id, status, lines, store_seq) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st) return st.status();
    for (const auto& [id, r] : d.reservations) {
      if (Status s = (*st)->bind(1, store_id).bind(2, id).bind(3, r.status).bind(4, r.lines.dump())
                         .bind(5, i64(r.store_seq)).run(); !s) {
        return s;
      }
    }
  }
  return Status::ok();
}

Result<std::vector<StockAt>> stock_of(sql::Db& db, const std::string& sku) {
  auto st = db.cached(
      "SELECT k.store_id, k.on_hand, k.reserved, k.seq, s.acked_seq FROM hq_stock k "
      "JOIN hq_store s ON s.store_id = k.store_id WHERE k.sku = ?1 ORDER BY k.store_id");
  if (!st) return st.status();
  (*st)->bind(1, sku);
  std::vector<StockAt> out;
  Status s = rows(**st, [&](sql::Stmt& r) {
    out.push_back(StockAt{r.text(0), r.int64(1), r.int64(2), static_cast<uint64_t>(r.int64(3)),
                          static_cast<uint64_t>(r.int64(4))});
    return Status::ok();
  });
  if (!s) return s;
  return out;
}

Result<DaySales> sales_of(sql::Db& db, const std::string& store_id, const std::string& business_day) {
  DaySales out{business_day, {}};
  if (out.business_day.empty()) {
    auto st = db.cached("SELECT MAX(business_day) FROM hq_sales WHERE store_id = ?1");
    if (!st) return st.status();
    (*st)->bind(1, store_id);
    auto row = (*st)->step();
    if (!row) return row.status();
    if (!*row || (*st)->is_null(0)) return out;
    out.business_day = (*st)->text(0);
  }
  auto st = db.cached(
      "SELECT hour, sku, count, quantity, amount, returned, refunded FROM hq_sales "
      "WHERE store_id = ?1 AND business_day = ?2");
  if (!st) return st.status();
  (*st)->bind(1, store_id).bind(2, out.business_day);
  Status s = rows(**st, [&](sql::Stmt& r) {
    out.figures[SalesKey{out.business_day, static_cast<int>(r.int64(0)), r.text(1)}] =
        SalesFigure{r.int64(2), r.int64(3), r.int64(4), r.int64(5), r.int64(6)};
    return Status::ok();
  });
  if (!s) return s;
  return out;
}

Result<uint64_t> record_change(sql::Db& db, const std::string& kind, const std::vector<std::string>& store_ids,
                               const std::vector<uint64_t>& last, size_t entries, const std::vector<std::string>& skus,
                               const std::string& order_ref) {
  auto ins = db.cached("INSERT INTO hq_change(kind, at, entries, order_ref) VALUES (?1, ?2, ?3, ?4) RETURNING id");
  if (!ins) return ins.status();
  (*ins)->bind(1, kind).bind(2, format_utc(Clock::system().now())).bind(3, i64(entries));
  if (order_ref.empty()) (*ins)->bind_null(4);
  else (*ins)->bind(4, order_ref);
  auto made = (*ins)->step();
  if (!made) return made.status();
  if (!*made) return Status::corruption("a change was recorded without an id");
  const int64_t id = (*ins)->int64(0);
  auto per = db.cached("INSERT INTO hq_change_store(change_id, store_id, first_seq, last_seq) VALUES (?1, ?2, ?3, ?4)");
  if (!per) return per.status();
  for (size_t i = 0; i < store_ids.size(); ++i) {
    if (Status s = (*per)->bind(1, id).bind(2, store_ids[i]).bind(3, i64(last[i] - entries + 1)).bind(4, i64(last[i])).run();
        !s) {
      return s;
    }
  }
  auto sku = db.cached("INSERT OR IGNORE INTO hq_catalog_sku(sku) VALUES (?1)");
  if (!sku) return sku.status();
  for (const std::string& k : skus) {
    if (Status s = (*sku)->bind(1, k).run(); !s) return s;
  }
  return static_cast<uint64_t>(id);
}

Result<std::vector<std::string>> unknown_skus(sql::Db& db, const std::vector<std::string>& skus) {
  auto st = db.cached(
      "SELECT EXISTS (SELECT 1 FROM hq_stock WHERE sku = ?1) OR EXISTS (SELECT 1 FROM hq_catalog_sku WHERE sku = ?1)");
  if (!st) return st.status();
  std::vector<std::string> out;
  for (const std::string& k : skus) {
    (*st)->bind(1, k);
    auto row = (*st)->step();
    if (!row) return row.status();
    if (!*row || (*st)->int64(0) == 0) out.push_back(k);
    (*st)->reset();
  }
  return out;
}

Result<std::optional<Change>> change(sql::Db& db, uint64_t id) {
  auto head = db.cached("SELECT kind, at FROM hq_change WHERE id = ?1");
  if (!head) return head.status();
  (*head)->bind(1, i64(id));
  auto row = (*head)->step();
  if (!row) return row.status();
  if (!*row) return std::optional<Change>();
  Change c{id, (*head)->text(0), (*head)->text(1), {}};
  auto st = db.cached(
      "SELECT c.store_id, c.first_seq, c.last_seq, IFNULL(a.acked, 0) FROM hq_change_store c "
      "LEFT JOIN hq_down_ack a ON a.store_id = c.store_id WHERE c.change_id = ?1 ORDER BY c.store_id");
  if (!st) return st.status();
  (*st)->bind(1, i64(id));
  Status s = rows(**st, [&](sql::Stmt& r) {
    c.stores.push_back(ChangeStore{r.text(0), static_cast<uint64_t>(r.int64(1)), static_cast<uint64_t>(r.int64(2)),
                                   static_cast<uint64_t>(r.int64(3)), {}});
    return Status::ok();
  });
  if (!s) return s;
  auto out = db.cached(
      "SELECT hq_seq, store_seq, applied, kind, reason FROM hq_down_outcome "
      "WHERE store_id = ?1 AND hq_seq BETWEEN ?2 AND ?3 ORDER BY hq_seq");
  if (!out) return out.status();
  for (ChangeStore& cs : c.stores) {
    (*out)->bind(1, cs.store_id).bind(2, i64(cs.first)).bind(3, i64(cs.last));
    s = rows(**out, [&](sql::Stmt& r) {
      cs.outcomes.push_back(DownOutcome{static_cast<uint64_t>(r.int64(0)), static_cast<uint64_t>(r.int64(1)),
                                        r.int64(2) != 0, r.text(3), r.text(4)});
      return Status::ok();
    });
    (*out)->reset();
    if (!s) return s;
  }
  return std::optional<Change>(std::move(c));
}

Result<OrderView> order(sql::Db& db, const std::string& order_ref) {
  OrderView out;
  std::vector<uint64_t> ids;
  {
    auto st = db.cached("SELECT id FROM hq_change WHERE order_ref = ?1 ORDER BY id");
    if (!st) return st.status();
    (*st)->bind(1, order_ref);
    Status s = rows(**st, [&](sql::Stmt& r) {
      ids.push_back(static_cast<uint64_t>(r.int64(0)));
      return Status::ok();
    });
    if (!s) return s;
  }
  for (uint64_t id : ids) {
    auto c = change(db, id);
    if (!c) return c.status();
    if (*c) out.changes.push_back(std::move(**c));
  }
  if (out.changes.empty() || out.changes[0].stores.empty()) return out;
  auto st = db.cached("SELECT status, lines, store_seq FROM hq_reservation WHERE store_id = ?1 AND order_id = ?2");
  if (!st) return st.status();
  (*st)->bind(1, out.changes[0].stores[0].store_id).bind(2, order_ref);
  auto row = (*st)->step();
  if (!row) return row.status();
  if (*row) {
    out.held = Reservation{order_ref, (*st)->text(0), nlohmann::json::parse((*st)->text(1), nullptr, false),
                           static_cast<uint64_t>((*st)->int64(2))};
  }
  return out;
}

}  // namespace posd::hq::sqlite_mirror
