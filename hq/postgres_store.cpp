// HqStore on PostgreSQL (hq/store.h): the same tables as the SQLite backend,
// for several posd-hq instances at once. A batch locks its store's row
// (SELECT … FOR UPDATE) for its transaction, so two instances take one
// store's batches in turn and different stores never wait for each other;
// a down-log append locks the store's hq_down_ack row the same way, which
// keeps hq_seq gap-free. docs/hq-operations.md.
#include <algorithm>
#include <array>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "hq/changes.h"
#include "hq/down_prefix.h"
#include "hq/pg.h"
#include "hq/pg_feed.h"
#include "hq/pg_mirror.h"
#include "hq/receive.h"
#include "hq/store.h"
#include "storage/store_key.h"

namespace posd::hq {

namespace {

using json = nlohmann::json;
using pg::Param;

// Each version once, in order, in one transaction with the others that are
// due, under an advisory lock so that instances starting together take turns.
struct Migration {
  int version;
  const char* sql;
};

const Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE hq_store (
  store_id   text   PRIMARY KEY,
  public_key text   NOT NULL,
  acked_seq  bigint NOT NULL DEFAULT 0,
  last_hash  text   NOT NULL
);
CREATE TABLE hq_event (
  received     bigint GENERATED ALWAYS AS IDENTITY,
  store_id     text   NOT NULL,
  seq          bigint NOT NULL CHECK (seq >= 1),
  ts           text   NOT NULL,
  business_day text   NOT NULL,
  type         text   NOT NULL,
  payload      text   NOT NULL,
  prev_hash    text   NOT NULL,
  hash         text   NOT NULL,
  signature    text   NOT NULL,
  PRIMARY KEY (store_id, seq)
);
CREATE INDEX hq_event_received ON hq_event (store_id, received);
CREATE TABLE hq_alarm (
  id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  store_id text   NOT NULL,
  at       text   NOT NULL,
  seq      bigint NOT NULL,
  reason   text   NOT NULL
);
CREATE TABLE hq_rejected (
  id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  store_id text   NOT NULL,
  at       text   NOT NULL,
  reason   text   NOT NULL
);
CREATE TABLE hq_down (
  store_id text   NOT NULL,
  hq_seq   bigint NOT NULL CHECK (hq_seq >= 1),
  kind     text   NOT NULL,
  body     text   NOT NULL,
  at       text   NOT NULL,
  PRIMARY KEY (store_id, hq_seq)
);
CREATE TABLE hq_down_ack (
  store_id text   PRIMARY KEY,
  acked    bigint NOT NULL
);
)sql"},
    // Each store's last hq_seq beside its ack, kept by every append: the
    // serving loop reads all heads in one query instead of one per store.
    {2, R"sql(
ALTER TABLE hq_down_ack ADD COLUMN head bigint NOT NULL DEFAULT 0;
INSERT INTO hq_down_ack (store_id, acked) SELECT DISTINCT store_id, 0 FROM hq_down ON CONFLICT (store_id) DO NOTHING;
UPDATE hq_down_ack a SET head = (SELECT COALESCE(MAX(hq_seq), 0) FROM hq_down d WHERE d.store_id = a.store_id);
)sql"},
    // The mirror (hq/mirror.h) and the changes; migrate() fills the mirror
    // from every event already held.
    {3, pg_mirror::kSchema},
    // The feed (hq/feed.h), which starts empty.
    {4, pg_feed::kSchema},
};

constexpr int64_t kMigrationLock = 0x706f73642d6871;  // "posd-hq"

std::string num(uint64_t v) { return std::to_string(v); }
std::string now_utc() { return format_utc(Clock::system().now()); }

// Inside a batch's transaction or on their own.
Status record_rejection(pg::Conn& conn, const std::string& store_id, const std::string& reason) {
  return conn.exec("INSERT INTO hq_rejected (store_id, at, reason) VALUES ($1, $2, $3)", {store_id, now_utc(), reason})
      .status();
}

Status record_alarm(pg::Conn& conn, const std::string& store_id, uint64_t seq, const std::string& reason) {
  return conn.exec("INSERT INTO hq_alarm (store_id, at, seq, reason) VALUES ($1, $2, $3, $4)",
                   {store_id, now_utc(), num(seq), reason}).status();
}

// A group's transaction: the feed rows of its passes are written last, just
// before the commit, so the feed's lock is held for the commit alone.
class PgGroupTxn {
 public:
  explicit PgGroupTxn(pg::Conn& conn) : conn_(conn), txn_(conn) {}
  const Status& status() const { return txn_.status(); }
  std::vector<FeedDraft>& drafts() { return drafts_; }
  Status commit() {
    if (Status s = pg_feed::write(conn_, drafts_); !s) return s;
    return txn_.commit();
  }

 private:
  pg::Conn& conn_;
  pg::Txn txn_;
  std::vector<FeedDraft> drafts_;
};

// A pass's transaction; with a savepoint name, a part of a group's, whose
// feed drafts go to `group` when the savepoint is released.
class PgLedgerTxn final : public LedgerTxn {
 public:
  explicit PgLedgerTxn(pg::Conn& conn, std::string savepoint = {}, std::vector<FeedDraft>* group = nullptr)
      : conn_(conn), txn_(conn, std::move(savepoint)), group_(group) {}
  const Status& status() const { return txn_.status(); }

  Result<std::optional<StoreHead>> lock_store(const std::string& store_id) override {
    auto r = conn_.exec("SELECT public_key, acked_seq, last_hash FROM hq_store WHERE store_id = $1 FOR UPDATE",
                        {store_id});
    if (!r) return r.status();
    std::optional<StoreHead> head;
    if (r->size() == 1) head = StoreHead{r->text(0, 0), static_cast<uint64_t>(r->int64(0, 1)), r->text(0, 2)};
    return head;
  }
  Result<std::string> held_hash(const std::string& store_id, uint64_t seq) override {
    if (Status s = flush(); !s) return s;
    auto r = conn_.exec("SELECT hash FROM hq_event WHERE store_id = $1 AND seq = $2", {store_id, num(seq)});
    if (!r) return r.status();
    return r->size() == 1 ? r->text(0, 0) : std::string();
  }
  // Rows wait here and go in one multi-row INSERT before the head moves (or
  // a held hash is read): one round trip for a batch, not one per event.
  Status insert(const std::string& store_id, const Event& e, std::string payload) override {
    pending_.push_back({store_id, num(e.seq), e.ts, e.business_day, e.type, std::move(payload), e.prev_hash, e.hash,
                        e.signature});
    return Status::ok();
  }
  Status move_head(const std::string& store_id, uint64_t acked_seq, const std::string& last_hash) override {
    if (Status s = flush(); !s) return s;
    return conn_.exec("UPDATE hq_store SET acked_seq = $2, last_hash = $3 WHERE store_id = $1",
                      {store_id, num(acked_seq), last_hash}).status();
  }
  Status record_rejection(const std::string& store_id, const std::string& reason) override {
    return hq::record_rejection(conn_, store_id, reason);
  }
  Status record_alarm(const std::string& store_id, uint64_t seq, const std::string& reason) override {
    return hq::record_alarm(conn_, store_id, seq, reason);
  }
  Result<std::optional<Event>> held_sale(const std::string& store_id, std::optional<uint64_t> seq,
                                         int64_t receipt_no) override {
    if (Status s = flush(); !s) return s;
    return pg_mirror::held_sale(conn_, store_id, seq, receipt_no);
  }
  Status apply_mirror(const std::string& store_id, const MirrorDelta& delta) override {
    if (Status s = flush(); !s) return s;
    return pg_mirror::apply(conn_, store_id, delta);
  }
  Status feed(FeedDraft draft) override {
    drafts_.push_back(std::move(draft));
    return Status::ok();
  }
  Status commit() override {
    if (Status s = flush(); !s) return s;
    if (!group_) {
      if (Status s = pg_feed::write(conn_, drafts_); !s) return s;
    }
    if (Status s = txn_.commit(); !s) return s;
    if (group_) std::move(drafts_.begin(), drafts_.end(), std::back_inserter(*group_));
    drafts_.clear();
    return Status::ok();
  }

 private:
  static constexpr size_t kColumns = 9;
  static constexpr size_t kRowsPerInsert = 1000;  // PostgreSQL takes at most 65,535 parameters

  Status flush() {
    for (size_t from = 0; from < pending_.size(); from += kRowsPerInsert) {
      const size_t to = std::min(pending_.size(), from + kRowsPerInsert);
      std::string sql =
          "INSERT INTO hq_event (store_id, seq, ts, business_day, type, payload, prev_hash, hash, signature) VALUES ";
      std::vector<Param> params;
      params.reserve((to - from) * kColumns);
      for (size_t r = from; r < to; ++r) {
        sql += r == from ? "(" : ", (";
        for (size_t c = 0; c < kColumns; ++c) {
          params.push_back(std::move(pending_[r][c]));
          sql += (c ? ", $" : "$") + std::to_string(params.size());
        }
        sql += ")";
      }
      if (auto r = conn_.exec(sql, params); !r) {
        pending_.clear();
        return r.status();
      }
    }
    pending_.clear();
    return Status::ok();
  }

  pg::Conn& conn_;
  pg::Txn txn_;
  std::vector<FeedDraft>* group_;
  std::vector<FeedDraft> drafts_;
  std::vector<std::array<std::string, kColumns>> pending_;
};

class PostgresStore final : public HqStore {
 public:
  explicit PostgresStore(pg::Conn conn) : conn_(std::move(conn)) {}

  Status migrate() {
    pg::Txn txn(conn_);
    if (!txn.status()) return txn.status();
    auto lock = conn_.exec("SELECT pg_advisory_xact_lock($1)", {std::to_string(kMigrationLock)});
    if (!lock) return lock.status();
    if (Status s = conn_.script("CREATE TABLE IF NOT EXISTS hq_schema (version integer NOT NULL)"); !s) return s;
    auto at = conn_.exec("SELECT COALESCE(MAX(version), 0) FROM hq_schema");
    if (!at) return at.status();
    const int64_t version = at->int64(0, 0);
    if (version > kMigrations[std::size(kMigrations) - 1].version) {
      return Status::invalid_argument("HQ's database is at schema version " + std::to_string(version) +
                                      ", newer than this posd-hq knows");
    }
    for (const Migration& m : kMigrations) {
      if (m.version <= version) continue;
      if (Status s = conn_.script(m.sql); !s) return s;
      if (auto r = conn_.exec("INSERT INTO hq_schema (version) VALUES ($1)", {std::to_string(m.version)}); !r) {
        return r.status();
      }
      if (m.version == 3) {
        auto ids = stores();
        if (!ids) return ids.status();
        Status s = rebuild_mirror(
            *ids, [this](const std::string& id, uint64_t after, size_t limit) { return events(id, after, limit); },
            [this] { return opened<PgLedgerTxn>(conn_, "mirror"); });
        if (!s) return s;
      }
    }
    return txn.commit();
  }

  Status register_store(const std::string& id, const std::string& pem) override {
    auto key = PublicKey::from_pem(pem);
    if (!key) return key.status();
    auto ins = conn_.exec(
        "INSERT INTO hq_store (store_id, public_key, acked_seq, last_hash) VALUES ($1, $2, 0, $3) "
        "ON CONFLICT (store_id) DO NOTHING",
        {id, key->pem(), genesis_prev_hash()});
    if (!ins) return ins.status();
    auto held = public_key(id);
    if (!held) return held.status();
    if (*held != key->pem()) return Status::conflict("store " + id + " is registered with another key");
    return Status::ok();
  }

  Result<std::vector<std::string>> stores() override {
    auto r = conn_.exec("SELECT store_id FROM hq_store ORDER BY store_id");
    if (!r) return r.status();
    std::vector<std::string> out;
    for (int i = 0; i < r->size(); ++i) out.push_back(r->text(i, 0));
    return out;
  }

  Result<std::string> public_key(const std::string& id) override {
    auto r = conn_.exec("SELECT public_key FROM hq_store WHERE store_id = $1", {id});
    if (!r) return r.status();
    if (r->size() != 1) return Status::not_found("unknown store \"" + id + "\"");
    return r->text(0, 0);
  }

  Result<Received> receive(const std::string& id, const sync::JournalBatch& batch) override {
    return receive_batch([this] { return opened<PgLedgerTxn>(conn_); }, id, batch);
  }

  std::vector<Result<Received>> receive_group(const std::vector<Arrived>& arrived) override {
    PgGroupTxn* group = nullptr;
    return hq::receive_group(
        [&] {
          auto g = opened<PgGroupTxn>(conn_);
          if (g) group = g->get();
          return g;
        },
        [&](const char* savepoint) { return opened<PgLedgerTxn>(conn_, savepoint, &group->drafts()); }, arrived);
  }

  Status reject(const std::string& id, const std::string& reason) override { return record_rejection(conn_, id, reason); }
  Status alarm(const std::string& id, uint64_t seq, const std::string& reason) override {
    return record_alarm(conn_, id, seq, reason);
  }

  Result<uint64_t> acked_seq(const std::string& id) override {
    auto head = acked_head(id);
    if (!head) return head.status();
    return head->first;
  }
  Result<std::pair<uint64_t, std::string>> acked_head(const std::string& id) override {
    auto r = conn_.exec("SELECT acked_seq, last_hash FROM hq_store WHERE store_id = $1", {id});
    if (!r) return r.status();
    if (r->size() != 1) return Status::not_found("unknown store \"" + id + "\"");
    return std::make_pair(static_cast<uint64_t>(r->int64(0, 0)), r->text(0, 1));
  }

  Result<json> report(const std::string& id) override;
  Result<std::vector<Event>> events(const std::string& id, uint64_t after, size_t limit) override;

  Result<std::vector<uint64_t>> recent_changes(size_t limit) override {
    auto r = conn_.exec("SELECT id FROM hq_change ORDER BY id DESC LIMIT $1", {num(limit)});
    if (!r) return r.status();
    std::vector<uint64_t> out;
    for (int i = 0; i < r->size(); ++i) out.push_back(static_cast<uint64_t>(r->int64(i, 0)));
    return out;
  }
  Result<std::vector<FeedRow>> feed(uint64_t after, size_t limit) override { return pg_feed::read(conn_, after, limit); }
  Result<FeedBounds> feed_bounds() override { return pg_feed::bounds(conn_); }
  Status feed_note(const std::vector<std::string>& items) override { return pg_feed::note(conn_, now_utc(), items); }
  Status feed_drop(uint64_t through) override { return pg_feed::drop(conn_, through); }

  Result<uint64_t> down_append(const std::string& id, const DownEntries& entries) override;
  Result<std::vector<uint64_t>> down_append_to(const std::vector<std::string>& ids, const DownEntries& entries,
                                                const std::vector<std::string>& bodies = {}) override;
  Result<std::vector<sync::StoredDownEntry>> down_read(const std::string& id, uint64_t first, size_t limit) override;
  Result<std::map<std::string, std::vector<sync::StoredDownEntry>>> down_read_all(const std::map<std::string, uint64_t>& firsts,
                                                                            size_t limit) override;
  Result<std::vector<std::string>> down_ack_all(const std::map<std::string, uint64_t>& acks) override;
  Result<uint64_t> down_head(const std::string& id) override {
    auto r = conn_.exec("SELECT head FROM hq_down_ack WHERE store_id = $1", {id});
    if (!r) return r.status();
    return r->size() == 1 ? static_cast<uint64_t>(r->int64(0, 0)) : 0;
  }
  Result<std::map<std::string, uint64_t>> down_heads() override {
    auto r = conn_.exec("SELECT store_id, head FROM hq_down_ack WHERE head > 0");
    if (!r) return r.status();
    std::map<std::string, uint64_t> out;
    for (int i = 0; i < r->size(); ++i) out[r->text(i, 0)] = static_cast<uint64_t>(r->int64(i, 1));
    return out;
  }
  Result<std::vector<StockAt>> stock_of(const std::string& sku) override { return pg_mirror::stock_of(conn_, sku); }
  Result<DaySales> sales_of(const std::string& id, const std::string& day) override {
    return pg_mirror::sales_of(conn_, id, day);
  }
  Result<uint64_t> publish(const std::string& kind, const std::vector<std::string>& ids, const DownEntries& e,
                           const std::string& order_ref) override;
  Result<OrderView> order(const std::string& order_ref) override { return pg_mirror::order(conn_, order_ref); }
  Result<std::optional<Change>> change(uint64_t id) override { return pg_mirror::change(conn_, id); }
  Result<std::vector<std::string>> unknown_skus(const std::vector<std::string>& skus) override {
    return pg_mirror::unknown_skus(conn_, skus);
  }
  Result<std::map<std::string, StorePosition>> positions() override {
    auto r = conn_.exec(kPositions);
    if (!r) return r.status();
    std::map<std::string, StorePosition> out;
    for (int i = 0; i < r->size(); ++i) {
      out[r->text(i, 0)] = StorePosition{static_cast<uint64_t>(r->int64(i, 1)), static_cast<uint64_t>(r->int64(i, 2)),
                                         static_cast<uint64_t>(r->int64(i, 3)), static_cast<uint64_t>(r->int64(i, 4)),
                                         static_cast<uint64_t>(r->int64(i, 5)), r->text(i, 6), r->text(i, 7)};
    }
    return out;
  }
  Result<uint64_t> down_acked(const std::string& id) override {
    auto r = conn_.exec("SELECT acked FROM hq_down_ack WHERE store_id = $1", {id});
    if (!r) return r.status();
    return static_cast<uint64_t>(r->size() == 1 ? r->int64(0, 0) : 0);
  }
  Status down_ack(const std::string& id, uint64_t seq) override {
    auto head = down_head(id);
    if (!head) return head.status();
    if (seq > *head) {
      return Status::invalid_argument("store " + id + " acked hq_seq " + num(seq) + " beyond the down-log's last " +
                                      num(*head));
    }
    return conn_.exec("INSERT INTO hq_down_ack (store_id, acked) VALUES ($1, $2) ON CONFLICT (store_id) "
                      "DO UPDATE SET acked = GREATEST(hq_down_ack.acked, EXCLUDED.acked)",
                      {id, num(seq)}).status();
  }

 private:
  Result<std::vector<uint64_t>> append_all(const std::vector<std::string>& ids, const DownEntries& entries,
                                          const std::string& at, const std::vector<std::string>& bodies = {});
  Result<uint64_t> append_locked(const std::string& id, const DownEntries& entries, const std::vector<std::string>& bodies,
                                 const std::string& at);
  pg::Conn conn_;
};

Result<json> PostgresStore::report(const std::string& id) {
  // One snapshot for every figure, as the SQLite backend reads them.
  if (Status s = conn_.script("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !s) return s;
  struct End {
    pg::Conn& c;
    ~End() { (void)c.script("COMMIT"); }
  } end{conn_};
  auto acked = acked_seq(id);
  if (!acked) return acked.status();
  auto sums = conn_.exec(
      "SELECT COUNT(*), COUNT(*) FILTER (WHERE type = 'sale'), "
      "COALESCE(SUM((payload::json->>'total')::bigint) FILTER (WHERE type = 'sale'), 0) FROM hq_event WHERE store_id = $1",
      {id});
  if (!sums) return sums.status();
  json rejected = json::array(), alarms = json::array();
  auto rj = conn_.exec("SELECT at, reason FROM hq_rejected WHERE store_id = $1 ORDER BY id", {id});
  if (!rj) return rj.status();
  for (int i = 0; i < rj->size(); ++i) rejected.push_back({{"at", rj->text(i, 0)}, {"reason", rj->text(i, 1)}});
  auto al = conn_.exec("SELECT at, seq, reason FROM hq_alarm WHERE store_id = $1 ORDER BY id", {id});
  if (!al) return al.status();
  for (int i = 0; i < al->size(); ++i) {
    alarms.push_back({{"at", al->text(i, 0)}, {"seq", al->int64(i, 1)}, {"reason", al->text(i, 2)}});
  }
  auto head = down_head(id);
  auto down = down_acked(id);
  if (!head || !down) return Status::unavailable("cannot read the down-log of " + id);
  return json{{"store_id", id}, {"acked_seq", *acked}, {"events", sums->int64(0, 0)}, {"sales", sums->int64(0, 1)},
              {"sales_total", sums->int64(0, 2)}, {"rejected", rejected}, {"alarms", alarms},
              {"down_log", {{"last_hq_seq", *head}, {"acked_by_store", *down}}}};
}

Result<std::vector<Event>> PostgresStore::events(const std::string& id, uint64_t after, size_t limit) {
  auto r = conn_.exec(
      "SELECT seq, ts, business_day, type, payload, prev_hash, hash, signature FROM hq_event "
      "WHERE store_id = $1 AND seq > $2 ORDER BY received LIMIT $3",
      {id, num(after), num(limit)});
  if (!r) return r.status();
  std::vector<Event> out;
  for (int i = 0; i < r->size(); ++i) {
    auto payload = json::parse(r->text(i, 4), nullptr, false);
    if (payload.is_discarded()) return Status::corruption("HQ holds a payload that is not JSON at seq " + r->text(i, 0));
    out.push_back(Event{static_cast<uint64_t>(r->int64(i, 0)), r->text(i, 1), r->text(i, 2), r->text(i, 3),
                        std::move(payload), r->text(i, 5), r->text(i, 6), r->text(i, 7)});
  }
  return out;
}

// Inside a transaction: appends to one store's down-log, locked by its ack row.
Result<uint64_t> PostgresStore::append_locked(const std::string& id, const DownEntries& entries,
                                              const std::vector<std::string>& bodies, const std::string& at) {
  // The store's ack row is the lock that orders appends: hq_seq stays gap-free.
  auto row = conn_.exec("INSERT INTO hq_down_ack (store_id, acked) VALUES ($1, 0) ON CONFLICT (store_id) DO NOTHING",
                        {id});
  if (!row) return row.status();
  auto lock = conn_.exec("SELECT head FROM hq_down_ack WHERE store_id = $1 FOR UPDATE", {id});
  if (!lock) return lock.status();
  uint64_t seq = static_cast<uint64_t>(lock->int64(0, 0));
  for (size_t i = 0; i < entries.size(); ++i) {
    auto ins = conn_.exec("INSERT INTO hq_down (store_id, hq_seq, kind, body, at) VALUES ($1, $2, $3, $4, $5)",
                          {id, num(++seq), entries[i].first, bodies[i], at});
    if (!ins) return ins.status();
  }
  if (auto moved = conn_.exec("UPDATE hq_down_ack SET head = $2 WHERE store_id = $1", {id, num(seq)}); !moved) {
    return moved.status();
  }
  return seq;
}

Result<uint64_t> PostgresStore::down_append(const std::string& id, const DownEntries& entries) {
  auto last = down_append_to({id}, entries);
  if (!last) return last.status();
  return last->front();
}

// Inside a transaction: the entries appended to each store's down-log.
Result<std::vector<uint64_t>> PostgresStore::append_all(const std::vector<std::string>& ids, const DownEntries& entries,
                                                        const std::string& at, const std::vector<std::string>& given) {
  // Stores in one order, so that two appends to many stores never wait on each other in a circle.
  std::vector<size_t> order(ids.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a] < ids[b]; });
  std::vector<uint64_t> out(ids.size());
  std::vector<std::string> made;
  auto bodies = body_texts(entries, given, made);  // once, whatever the number of stores
  if (!bodies) return bodies.status();
  for (size_t i : order) {
    auto last = append_locked(ids[i], entries, **bodies, at);
    if (!last) return last.status();
    out[i] = *last;
  }
  return out;
}

Result<std::vector<uint64_t>> PostgresStore::down_append_to(const std::vector<std::string>& ids, const DownEntries& entries,
                                                            const std::vector<std::string>& bodies) {
  pg::Txn txn(conn_);
  if (!txn.status()) return txn.status();
  auto out = append_all(ids, entries, now_utc(), bodies);
  if (!out) return out;
  if (Status s = txn.commit(); !s) return s;
  return out;
}

Result<uint64_t> PostgresStore::publish(const std::string& kind, const std::vector<std::string>& ids,
                                        const DownEntries& entries, const std::string& order_ref) {
  if (entries.empty()) return Status::invalid_argument("a change needs at least one entry");
  pg::Txn txn(conn_);
  if (!txn.status()) return txn.status();
  const std::string at = now_utc();
  auto last = append_all(ids, entries, at);
  if (!last) return last.status();
  auto id = pg_mirror::record_change(conn_, kind, ids, *last, entries.size(), at, catalog_skus(entries), order_ref);
  if (!id) return id.status();
  if (Status s = txn.commit(); !s) return s;
  return id;
}

Result<std::vector<sync::StoredDownEntry>> PostgresStore::down_read(const std::string& id, uint64_t first, size_t limit) {
  auto r = conn_.exec("SELECT hq_seq, kind, body FROM hq_down WHERE store_id = $1 AND hq_seq >= $2 ORDER BY hq_seq LIMIT $3",
                      {id, num(first), num(limit)});
  if (!r) return r.status();
  DownPrefix prefix;
  for (int i = 0; i < r->size(); ++i) {
    if (!prefix.add({id, static_cast<uint64_t>(r->int64(i, 0)), r->text(i, 1), r->text(i, 2)})) break;
  }
  return std::move(prefix).take();
}

// A text[] and a bigint[] literal of the map's keys and values, in order.
std::pair<std::string, std::string> arrays(const std::map<std::string, uint64_t>& m) {
  std::vector<std::string> keys;
  std::vector<int64_t> values;
  for (const auto& [k, v] : m) {
    keys.push_back(k);
    values.push_back(static_cast<int64_t>(v));
  }
  return {pg::text_array(keys), pg::int_array(values)};
}

Result<std::map<std::string, std::vector<sync::StoredDownEntry>>> PostgresStore::down_read_all(
    const std::map<std::string, uint64_t>& firsts, size_t limit) {
  std::map<std::string, std::vector<sync::StoredDownEntry>> out;
  if (firsts.empty()) return out;
  auto [ids, seqs] = arrays(firsts);
  auto r = conn_.exec(
      "SELECT d.store_id, d.hq_seq, d.kind, d.body FROM unnest($1::text[], $2::bigint[]) AS w(store_id, first) "
      "CROSS JOIN LATERAL (SELECT store_id, hq_seq, kind, body FROM hq_down "
      "WHERE store_id = w.store_id AND hq_seq >= w.first ORDER BY hq_seq LIMIT $3) AS d ORDER BY d.store_id, d.hq_seq",
      {ids, seqs, num(limit)});
  if (!r) return r.status();
  std::map<std::string, DownPrefix> prefixes;  // a corrupt entry holds up its own store only
  for (int i = 0; i < r->size(); ++i) {
    std::string id = r->text(i, 0);
    prefixes[id].add({id, static_cast<uint64_t>(r->int64(i, 1)), r->text(i, 2), r->text(i, 3)});
  }
  for (auto& [id, prefix] : prefixes) {
    auto entries = std::move(prefix).take();
    if (entries) out[id] = std::move(*entries);  // else its down_read names the corrupt entry
  }
  return out;
}

// One statement: atomic by itself. What it did not update was refused.
Result<std::vector<std::string>> PostgresStore::down_ack_all(const std::map<std::string, uint64_t>& acks) {
  std::vector<std::string> refused;
  if (acks.empty()) return refused;
  auto [ids, seqs] = arrays(acks);
  auto r = conn_.exec(
      "UPDATE hq_down_ack d SET acked = GREATEST(d.acked, w.seq) FROM unnest($1::text[], $2::bigint[]) AS w(store_id, seq) "
      "WHERE d.store_id = w.store_id AND w.seq <= d.head RETURNING d.store_id",
      {ids, seqs});
  if (!r) return r.status();
  std::set<std::string> done;
  for (int i = 0; i < r->size(); ++i) done.insert(r->text(i, 0));
  for (const auto& [id, seq] : acks) {
    if (!done.count(id)) refused.push_back(id);
  }
  return refused;
}

}  // namespace

Result<std::unique_ptr<HqStore>> open_postgres_store(const std::string& url) {
  auto conn = pg::Conn::connect(url);
  if (!conn) return conn.status();
  auto store = std::make_unique<PostgresStore>(std::move(*conn));
  if (Status s = store->migrate(); !s) return s;
  return std::unique_ptr<HqStore>(std::move(store));
}

}  // namespace posd::hq
