#include "hq/pg_mirror.h"

namespace posd::hq::pg_mirror {

using json = nlohmann::json;

const char* const kSchema = R"sql(
CREATE TABLE hq_stock (
  store_id text   NOT NULL,
  sku      text   NOT NULL,
  on_hand  bigint NOT NULL,
  reserved bigint NOT NULL DEFAULT 0,
  seq      bigint NOT NULL,
  PRIMARY KEY (store_id, sku)
);
CREATE INDEX hq_stock_sku ON hq_stock (sku);
CREATE INDEX hq_rejected_store ON hq_rejected (store_id);
CREATE TABLE hq_sales (
  store_id     text     NOT NULL,
  business_day text     NOT NULL,
  hour         smallint NOT NULL,
  sku          text     NOT NULL,
  count        bigint   NOT NULL,
  quantity     bigint   NOT NULL,
  amount       bigint   NOT NULL,
  returned     bigint   NOT NULL,
  refunded     bigint   NOT NULL,
  PRIMARY KEY (store_id, business_day, hour, sku)
);
CREATE TABLE hq_down_outcome (
  store_id  text    NOT NULL,
  hq_seq    bigint  NOT NULL,
  store_seq bigint  NOT NULL,
  applied   boolean NOT NULL,
  kind      text    NOT NULL,
  reason    text    NOT NULL,
  PRIMARY KEY (store_id, hq_seq)
);
CREATE TABLE hq_reservation (
  store_id  text   NOT NULL,
  order_id  text   NOT NULL,
  status    text   NOT NULL,
  lines     text   NOT NULL,
  store_seq bigint NOT NULL,
  PRIMARY KEY (store_id, order_id)
);
CREATE TABLE hq_change (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind      text   NOT NULL,
  at        text   NOT NULL,
  entries   bigint NOT NULL,
  order_ref text
);
CREATE INDEX hq_change_order ON hq_change (order_ref) WHERE order_ref IS NOT NULL;
CREATE TABLE hq_catalog_sku (
  sku text PRIMARY KEY
);
CREATE TABLE hq_change_store (
  change_id bigint NOT NULL,
  store_id  text   NOT NULL,
  first_seq bigint NOT NULL,
  last_seq  bigint NOT NULL,
  PRIMARY KEY (change_id, store_id)
);
)sql";

namespace {

std::string num(uint64_t v) { return std::to_string(v); }
int64_t i64(uint64_t v) { return static_cast<int64_t>(v); }

Status stock_rows(pg::Conn& conn, const std::string& store_id, const MirrorDelta& d, bool set) {
  std::vector<std::string> skus;
  std::vector<int64_t> values, reserved, seqs;
  for (const auto& [sku, f] : d.stock) {
    if (f.set.has_value() != set) continue;
    skus.push_back(sku);
    values.push_back(f.set ? *f.set : f.delta);
    reserved.push_back(f.reserved);
    seqs.push_back(i64(f.seq));
  }
  if (skus.empty()) return Status::ok();
  const std::string on_hand = set ? "EXCLUDED.on_hand" : sql_checked_add("hq_stock.on_hand", "EXCLUDED.on_hand");
  return conn.exec("INSERT INTO hq_stock (store_id, sku, on_hand, reserved, seq) SELECT $1, * FROM "
                   "unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) ON CONFLICT (store_id, sku) DO UPDATE "
                   "SET on_hand = " + on_hand + ", reserved = " + sql_checked_add("hq_stock.reserved", "EXCLUDED.reserved") +
                   ", seq = EXCLUDED.seq",
                   {store_id, pg::text_array(skus), pg::int_array(values), pg::int_array(reserved), pg::int_array(seqs)})
      .status();
}

}  // namespace

Result<std::optional<Event>> held_sale(pg::Conn& conn, const std::string& store_id, std::optional<uint64_t> seq,
                                       int64_t receipt_no) {
  // Journals from before voids named their sale's seq: found by receipt number.
  auto r = seq ? conn.exec("SELECT seq, ts, business_day, type, payload FROM hq_event WHERE store_id = $1 AND seq = $2",
                           {store_id, num(*seq)})
               : conn.exec("SELECT seq, ts, business_day, type, payload FROM hq_event WHERE store_id = $1 AND "
                           "type = 'sale' AND payload::jsonb->>'receipt_no' = $2 LIMIT 1",
                           {store_id, std::to_string(receipt_no)});
  if (!r) return r.status();
  if (r->size() == 0) return std::optional<Event>();
  auto payload = json::parse(r->text(0, 4), nullptr, false);
  if (payload.is_discarded()) return Status::corruption("HQ holds a payload that is not JSON");
  Event e;
  e.seq = static_cast<uint64_t>(r->int64(0, 0));
  e.ts = r->text(0, 1);
  e.business_day = r->text(0, 2);
  e.type = r->text(0, 3);
  e.payload = std::move(payload);
  return std::optional<Event>(std::move(e));
}

// Over 40 lines: one statement per table, in turn.
Status apply(pg::Conn& conn, const std::string& store_id, const MirrorDelta& d) {
  if (Status s = stock_rows(conn, store_id, d, true); !s) return s;
  if (Status s = stock_rows(conn, store_id, d, false); !s) return s;
  if (!d.sales.empty()) {
    std::vector<std::string> days, skus;
    std::vector<int64_t> hours, count, quantity, amount, returned, refunded;
    for (const auto& [k, f] : d.sales) {
      days.push_back(k.business_day);
      hours.push_back(k.hour);
      skus.push_back(k.sku);
      count.push_back(f.count);
      quantity.push_back(f.quantity);
      amount.push_back(f.amount);
      returned.push_back(f.returned);
      refunded.push_back(f.refunded);
    }
    auto r = conn.exec(
        "INSERT INTO hq_sales (store_id, business_day, hour, sku, count, quantity, amount, returned, refunded) "
        "SELECT $1, * FROM unnest($2::text[], $3::smallint[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], "
        "$8::bigint[], $9::bigint[]) ON CONFLICT (store_id, business_day, hour, sku) DO UPDATE SET count = " +
            sql_checked_add("hq_sales.count", "EXCLUDED.count") + ", quantity = " +
            sql_checked_add("hq_sales.quantity", "EXCLUDED.quantity") + ", amount = " +
            sql_checked_add("hq_sales.amount", "EXCLUDED.amount") + ", returned = " +
            sql_checked_add("hq_sales.returned", "EXCLUDED.returned") + ", refunded = " +
            sql_checked_add("hq_sales.refunded", "EXCLUDED.refunded"),
        {store_id, pg::text_array(days), pg::int_array(hours), pg::text_array(skus), pg::int_array(count),
         pg::int_array(quantity), pg::int_array(amount), pg::int_array(returned), pg::int_array(refunded)});
    if (!r) return r.status();
  }
  if (!d.outcomes.empty()) {
    std::vector<int64_t> hq_seqs, store_seqs;
    std::vector<bool> applied;
    std::vector<std::string> kinds, reasons;
    for (const DownOutcome& o : d.outcomes) {
      hq_seqs.push_back(i64(o.hq_seq));
      store_seqs.push_back(i64(o.store_seq));
      applied.push_back(o.applied);
      kinds.push_back(o.kind);
      reasons.push_back(o.reason);
    }
    auto r = conn.exec(
        "INSERT INTO hq_down_outcome (store_id, hq_seq, store_seq, applied, kind, reason) SELECT $1, * FROM "
        "unnest($2::bigint[], $3::bigint[], $4::boolean[], $5::text[], $6::text[]) ON CONFLICT (store_id, hq_seq) "
        "DO UPDATE SET store_seq = EXCLUDED.store_seq, applied = EXCLUDED.applied, kind = EXCLUDED.kind, "
        "reason = EXCLUDED.reason",
        {store_id, pg::int_array(hq_seqs), pg::int_array(store_seqs), pg::bool_array(applied), pg::text_array(kinds),
         pg::text_array(reasons)});
    if (!r) return r.status();
  }
  if (!d.reservations.empty()) {
    std::vector<std::string> orders, statuses, lines;
    std::vector<int64_t> seqs;
    for (const auto& [id, res] : d.reservations) {
      orders.push_back(id);
      statuses.push_back(res.status);
      lines.push_back(res.lines.dump());
      seqs.push_back(i64(res.store_seq));
    }
    auto r = conn.exec(
        "INSERT INTO hq_reservation (store_id, order_id, status, lines, store_seq) SELECT $1, * FROM "
        "unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) ON CONFLICT (store_id, order_id) DO UPDATE SET "
        "status = EXCLUDED.status, lines = EXCLUDED.lines, store_seq = EXCLUDED.store_seq",
        {store_id, pg::text_array(orders), pg::text_array(statuses), pg::text_array(lines), pg::int_array(seqs)});
    if (!r) return r.status();
  }
  return Status::ok();
}

Result<std::vector<StockAt>> stock_of(pg::Conn& conn, const std::string& sku) {
  auto r = conn.exec(
      "SELECT k.store_id, k.on_hand, k.reserved, k.seq, s.acked_seq FROM hq_stock k "
      "JOIN hq_store s ON s.store_id = k.store_id WHERE k.sku = $1 ORDER BY k.store_id",
      {sku});
  if (!r) return r.status();
  std::vector<StockAt> out;
  for (int i = 0; i < r->size(); ++i) {
    out.push_back(StockAt{r->text(i, 0), r->int64(i, 1), r->int64(i, 2), static_cast<uint64_t>(r->int64(i, 3)),
                          static_cast<uint64_t>(r->int64(i, 4))});
  }
  return out;
}

Result<DaySales> sales_of(pg::Conn& conn, const std::string& store_id, const std::string& business_day) {
  DaySales out{business_day, {}};
  if (out.business_day.empty()) {
    auto r = conn.exec("SELECT MAX(business_day) FROM hq_sales WHERE store_id = $1", {store_id});
    if (!r) return r.status();
    if (r->size() == 0 || r->null(0, 0)) return out;
    out.business_day = r->text(0, 0);
  }
  auto r = conn.exec(
      "SELECT hour, sku, count, quantity, amount, returned, refunded FROM hq_sales "
      "WHERE store_id = $1 AND business_day = $2",
      {store_id, out.business_day});
  if (!r) return r.status();
  for (int i = 0; i < r->size(); ++i) {
    out.figures[SalesKey{out.business_day, static_cast<int>(r->int64(i, 0)), r->text(i, 1)}] =
        SalesFigure{r->int64(i, 2), r->int64(i, 3), r->int64(i, 4), r->int64(i, 5), r->int64(i, 6)};
  }
  return out;
}

Result<uint64_t> record_change(pg::Conn& conn, const std::string& kind, const std::vector<std::string>& store_ids,
                               const std::vector<uint64_t>& last, size_t entries, const std::string& at,
                               const std::vector<std::string>& skus, const std::string& order_ref) {
  auto made = conn.exec("INSERT INTO hq_change (kind, at, entries, order_ref) VALUES ($1, $2, $3, $4) RETURNING id",
                        {kind, at, num(entries), order_ref.empty() ? pg::Param() : pg::Param(order_ref)});
  if (!made) return made.status();
  const std::string id = made->text(0, 0);
  std::vector<int64_t> first, lasts;
  for (uint64_t l : last) {
    first.push_back(i64(l - entries + 1));
    lasts.push_back(i64(l));
  }
  auto r = conn.exec(
      "INSERT INTO hq_change_store (change_id, store_id, first_seq, last_seq) SELECT $1, * FROM "
      "unnest($2::text[], $3::bigint[], $4::bigint[])",
      {id, pg::text_array(store_ids), pg::int_array(first), pg::int_array(lasts)});
  if (!r) return r.status();
  if (!skus.empty()) {
    auto k = conn.exec("INSERT INTO hq_catalog_sku (sku) SELECT DISTINCT unnest($1::text[]) ON CONFLICT DO NOTHING",
                       {pg::text_array(skus)});
    if (!k) return k.status();
  }
  return static_cast<uint64_t>(made->int64(0, 0));
}

Result<std::vector<std::string>> unknown_skus(pg::Conn& conn, const std::vector<std::string>& skus) {
  auto r = conn.exec(
      "SELECT k FROM unnest($1::text[]) AS u(k) WHERE NOT EXISTS (SELECT 1 FROM hq_stock WHERE sku = u.k) "
      "AND NOT EXISTS (SELECT 1 FROM hq_catalog_sku WHERE sku = u.k)",
      {pg::text_array(skus)});
  if (!r) return r.status();
  std::vector<std::string> out;
  for (int i = 0; i < r->size(); ++i) out.push_back(r->text(i, 0));
  return out;
}

Result<std::optional<Change>> change(pg::Conn& conn, uint64_t id) {
  auto head = conn.exec("SELECT kind, at FROM hq_change WHERE id = $1", {num(id)});
  if (!head) return head.status();
  if (head->size() == 0) return std::optional<Change>();
  Change c{id, head->text(0, 0), head->text(0, 1), {}};
  auto st = conn.exec(
      "SELECT c.store_id, c.first_seq, c.last_seq, COALESCE(a.acked, 0) FROM hq_change_store c "
      "LEFT JOIN hq_down_ack a ON a.store_id = c.store_id WHERE c.change_id = $1 ORDER BY c.store_id",
      {num(id)});
  if (!st) return st.status();
  std::map<std::string, size_t> at;
  for (int i = 0; i < st->size(); ++i) {
    at[st->text(i, 0)] = c.stores.size();
    c.stores.push_back(ChangeStore{st->text(i, 0), static_cast<uint64_t>(st->int64(i, 1)),
                                   static_cast<uint64_t>(st->int64(i, 2)), static_cast<uint64_t>(st->int64(i, 3)), {}});
  }
  auto o = conn.exec(
      "SELECT o.store_id, o.hq_seq, o.store_seq, o.applied, o.kind, o.reason FROM hq_change_store c "
      "JOIN hq_down_outcome o ON o.store_id = c.store_id AND o.hq_seq BETWEEN c.first_seq AND c.last_seq "
      "WHERE c.change_id = $1 ORDER BY o.store_id, o.hq_seq",
      {num(id)});
  if (!o) return o.status();
  for (int i = 0; i < o->size(); ++i) {
    c.stores[at[o->text(i, 0)]].outcomes.push_back(DownOutcome{static_cast<uint64_t>(o->int64(i, 1)),
                                                               static_cast<uint64_t>(o->int64(i, 2)),
                                                               o->text(i, 3) == "t", o->text(i, 4), o->text(i, 5)});
  }
  return std::optional<Change>(std::move(c));
}

Result<OrderView> order(pg::Conn& conn, const std::string& order_ref) {
  OrderView out;
  auto ids = conn.exec("SELECT id FROM hq_change WHERE order_ref = $1 ORDER BY id", {order_ref});
  if (!ids) return ids.status();
  for (int i = 0; i < ids->size(); ++i) {
    auto c = change(conn, static_cast<uint64_t>(ids->int64(i, 0)));
    if (!c) return c.status();
    if (*c) out.changes.push_back(std::move(**c));
  }
  if (out.changes.empty() || out.changes[0].stores.empty()) return out;
  auto r = conn.exec("SELECT status, lines, store_seq FROM hq_reservation WHERE store_id = $1 AND order_id = $2",
                     {out.changes[0].stores[0].store_id, order_ref});
  if (!r) return r.status();
  if (r->size() == 1) {
    out.held = Reservation{order_ref, r->text(0, 0), json::parse(r->text(0, 1), nullptr, false),
                           static_cast<uint64_t>(r->int64(0, 2))};
  }
  return out;
}

}  // namespace posd::hq::pg_mirror
