#include "hq/pg_feed.h"

#include <algorithm>

namespace posd::hq::pg_feed {

const char* const kSchema = R"sql(
CREATE TABLE hq_feed (
  id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at   text   NOT NULL,
  body text   NOT NULL
);
CREATE INDEX hq_down_outcome_quarantined ON hq_down_outcome (store_id) WHERE NOT applied;
)sql";

namespace {

constexpr int64_t kFeedLock = 0x706f73642d6667;  // "posd-fg"

// Held to the commit. An instance cut off in its commit holds it until the
// server ends that session (60 s idle in a transaction): the others give up
// their group after 2 s rather than the session's 10 s, and try again.
Status lock(pg::Conn& conn) {
  return conn.exec("SELECT set_config('lock_timeout', '2s', true), pg_advisory_xact_lock($1)", {std::to_string(kFeedLock)})
      .status();
}

}  // namespace

Status write(pg::Conn& conn, const std::vector<FeedDraft>& drafts) {
  std::vector<std::string> stores, skus, ats, items, item_ats;
  for (const FeedDraft& d : drafts) {
    for (const std::string& sku : d.skus) {
      stores.push_back(d.store_id);
      skus.push_back(sku);
      ats.push_back(d.at);
    }
    for (const std::string& item : d.items) {
      items.push_back(item);
      item_ats.push_back(d.at);
    }
  }
  if (stores.empty() && items.empty()) return Status::ok();
  if (Status s = lock(conn); !s) return s;
  if (!stores.empty()) {
    auto r = conn.exec(
        "INSERT INTO hq_feed (at, body) SELECT w.at, json_build_object('type', 'stock', 'store_id', k.store_id, "
        "'at', w.at, 'sku', k.sku, 'on_hand', k.on_hand, 'reserved', k.reserved, 'available', GREATEST(k.on_hand, 0), "
        "'moved_seq', k.seq, 'as_of_seq', s.acked_seq)::text "
        "FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS w(store_id, sku, at, n) "
        "JOIN hq_stock k ON k.store_id = w.store_id AND k.sku = w.sku JOIN hq_store s ON s.store_id = w.store_id "
        "ORDER BY w.n",
        {pg::text_array(stores), pg::text_array(skus), pg::text_array(ats)});
    if (!r) return r.status();
  }
  if (!items.empty()) {
    auto r = conn.exec(
        "INSERT INTO hq_feed (at, body) SELECT w.at, w.body FROM unnest($1::text[], $2::text[]) WITH ORDINALITY "
        "AS w(at, body, n) ORDER BY w.n",
        {pg::text_array(item_ats), pg::text_array(items)});
    if (!r) return r.status();
  }
  return Status::ok();
}

Status note(pg::Conn& conn, const std::string& at, const std::vector<std::string>& items) {
  pg::Txn txn(conn);
  if (!txn.status()) return txn.status();
  if (Status s = write(conn, {FeedDraft{"", at, {}, items}}); !s) return s;
  return txn.commit();
}

Result<std::vector<FeedRow>> read(pg::Conn& conn, uint64_t after, size_t limit) {
  auto r = conn.exec("SELECT id, at, body FROM hq_feed WHERE id > $1 ORDER BY id LIMIT $2",
                     {std::to_string(after), std::to_string(limit)});
  if (!r) return r.status();
  std::vector<FeedRow> out;
  for (int i = 0; i < r->size(); ++i) {
    out.push_back(FeedRow{static_cast<uint64_t>(r->int64(i, 0)), r->text(i, 1), r->text(i, 2)});
  }
  return out;
}

Result<FeedBounds> bounds(pg::Conn& conn) {
  // The identity's sequence: the highest id given, committed or not.
  auto r = conn.exec(
      "SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0), "
      "(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM hq_feed_id_seq) FROM hq_feed");
  if (!r) return r.status();
  FeedBounds out{static_cast<uint64_t>(r->int64(0, 0)), static_cast<uint64_t>(r->int64(0, 1)),
                 static_cast<uint64_t>(r->int64(0, 2))};
  out.given = std::max(out.given, out.last);
  return out;
}

Status drop(pg::Conn& conn, uint64_t through) {
  return conn.exec("DELETE FROM hq_feed WHERE id <= $1", {std::to_string(through)}).status();
}

}  // namespace posd::hq::pg_feed
