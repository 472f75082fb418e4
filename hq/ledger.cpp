#include "hq/ledger.h"

#include "hq/receive.h"
#include "hq/sqlite_feed.h"
#include "hq/sqlite_mirror.h"

#include "storage/chain.h"
#include "base/clock.h"

#include <optional>

namespace posd::hq {

using json = nlohmann::json;

namespace {

constexpr const char* kLedgerSchema = R"sql(
CREATE TABLE IF NOT EXISTS hq_store (
  store_id   TEXT    PRIMARY KEY,
  public_key TEXT    NOT NULL,
  acked_seq  INTEGER NOT NULL DEFAULT 0,
  last_hash  TEXT    NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS hq_event (
  store_id     TEXT    NOT NULL,
  seq          INTEGER NOT NULL,
  ts           TEXT    NOT NULL,
  business_day TEXT    NOT NULL,
  type         TEXT    NOT NULL,
  payload      TEXT    NOT NULL,
  prev_hash    TEXT    NOT NULL,
  hash         TEXT    NOT NULL,
  signature    TEXT    NOT NULL,
  PRIMARY KEY (store_id, seq)
) STRICT;
CREATE TABLE IF NOT EXISTS hq_alarm (
  id       INTEGER PRIMARY KEY,
  store_id TEXT    NOT NULL,
  at       TEXT    NOT NULL,
  seq      INTEGER NOT NULL,
  reason   TEXT    NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS hq_rejected (
  id       INTEGER PRIMARY KEY,
  store_id TEXT    NOT NULL,
  at       TEXT    NOT NULL,
  reason   TEXT    NOT NULL
) STRICT;
)sql";

Status record_rejection(sql::Db& db, const std::string& store_id, const std::string& reason) {
  auto st = db.cached("INSERT INTO hq_rejected(store_id, at, reason) VALUES (?1, ?2, ?3)");
  if (!st) return st.status();
  return (*st)->bind(1, store_id).bind(2, format_utc(Clock::system().now())).bind(3, reason).run();
}

Status record_alarm(sql::Db& db, const std::string& store_id, uint64_t seq, const std::string& reason) {
  auto st = db.cached("INSERT INTO hq_alarm(store_id, at, seq, reason) VALUES (?1, ?2, ?3, ?4)");
  if (!st) return st.status();
  return (*st)->bind(1, store_id).bind(2, format_utc(Clock::system().now())).bind(3, static_cast<int64_t>(seq))
      .bind(4, reason).run();
}

}  // namespace

Status HqLedger::alarm(const std::string& store_id, uint64_t seq, const std::string& reason) {
  return record_alarm(db_, store_id, seq, reason);
}

Result<HqLedger> HqLedger::open(const std::string& path) {
  auto db = sql::Db::open(path);
  if (!db) return db.status();
  if (Status s = db->exec(kLedgerSchema); !s) return s;
  if (Status s = sqlite_mirror::schema(*db); !s) return s;
  if (Status s = sqlite_feed::schema(*db); !s) return s;
  return HqLedger(std::move(*db));
}

Result<std::string> HqLedger::public_key(const std::string& store_id) {
  auto st = db_.prepare("SELECT public_key FROM hq_store WHERE store_id = ?1");
  if (!st) return st.status();
  st->bind(1, store_id);
  auto row = st->step();
  if (!row) return row.status();
  if (!*row) return Status::not_found("unknown store \"" + store_id + "\"");
  return st->text(0);
}

Status HqLedger::register_store(const std::string& store_id, const std::string& pem) {
  auto key = PublicKey::from_pem(pem);
  if (!key) return key.status();
  auto held = public_key(store_id);
  if (held) {
    if (*held != key->pem()) return Status::conflict("store " + store_id + " is registered with another key");
    return Status::ok();
  }
  if (held.status().code() != Status::Code::not_found) return held.status();
  auto ins = db_.prepare("INSERT INTO hq_store(store_id, public_key, acked_seq, last_hash) VALUES (?1, ?2, 0, ?3)");
  if (!ins) return ins.status();
  return ins->bind(1, store_id).bind(2, key->pem()).bind(3, genesis_prev_hash()).run();
}

Status HqLedger::reject(const std::string& topic_store_id, const std::string& reason) {
  return record_rejection(db_, topic_store_id, reason);
}

namespace {

// A batch's transaction on SQLite: BEGIN IMMEDIATE takes the database's one
// write lock, which serialises every store (a process is one writer anyway).
class SqliteLedgerTxn final : public LedgerTxn {
 public:
  explicit SqliteLedgerTxn(sql::Db& db, std::string savepoint = {}) : db_(db), txn_(db, std::move(savepoint)) {}
  const Status& status() const { return txn_.status(); }

  Result<std::optional<StoreHead>> lock_store(const std::string& store_id) override {
    auto st = db_.cached("SELECT public_key, acked_seq, last_hash FROM hq_store WHERE store_id = ?1");
    if (!st) return st.status();
    (*st)->bind(1, store_id);
    auto row = (*st)->step();
    if (!row) return row.status();
    std::optional<StoreHead> head;
    if (*row) head = StoreHead{(*st)->text(0), static_cast<uint64_t>((*st)->int64(1)), (*st)->text(2)};
    (*st)->reset();
    return head;
  }
  Result<std::string> held_hash(const std::string& store_id, uint64_t seq) override {
    auto held = db_.cached("SELECT hash FROM hq_event WHERE store_id = ?1 AND seq = ?2");
    if (!held) return held.status();
    (*held)->bind(1, store_id).bind(2, static_cast<int64_t>(seq));
    auto h = (*held)->step();
    if (!h) return h.status();
    std::string hash = *h ? (*held)->text(0) : "";
    (*held)->reset();
    return hash;
  }
  Status insert(const std::string& store_id, const Event& e, std::string payload) override {
    auto ins = db_.cached(
        "INSERT INTO hq_event(store_id, seq, ts, business_day, type, payload, prev_hash, hash, signature) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!ins) return ins.status();
    (*ins)->bind(1, store_id).bind(2, static_cast<int64_t>(e.seq)).bind(3, e.ts).bind(4, e.business_day)
        .bind(5, e.type).bind(6, payload).bind(7, e.prev_hash).bind(8, e.hash).bind(9, e.signature);
    return (*ins)->run();
  }
  Status move_head(const std::string& store_id, uint64_t acked_seq, const std::string& last_hash) override {
    auto up = db_.cached("UPDATE hq_store SET acked_seq = ?2, last_hash = ?3 WHERE store_id = ?1");
    if (!up) return up.status();
    return (*up)->bind(1, store_id).bind(2, static_cast<int64_t>(acked_seq)).bind(3, last_hash).run();
  }
  Status record_rejection(const std::string& store_id, const std::string& reason) override {
    return hq::record_rejection(db_, store_id, reason);
  }
  Status record_alarm(const std::string& store_id, uint64_t seq, const std::string& reason) override {
    return hq::record_alarm(db_, store_id, seq, reason);
  }
  Result<std::optional<Event>> held_sale(const std::string& store_id, std::optional<uint64_t> seq,
                                         int64_t receipt_no) override {
    return sqlite_mirror::held_sale(db_, store_id, seq, receipt_no);
  }
  Status apply_mirror(const std::string& store_id, const MirrorDelta& delta) override {
    return sqlite_mirror::apply(db_, store_id, delta);
  }
  Status feed(FeedDraft draft) override { return sqlite_feed::write(db_, draft); }
  Status commit() override { return txn_.commit(); }

 private:
  sql::Db& db_;
  sql::Txn txn_;
};

}  // namespace

Result<Received> HqLedger::receive(const std::string& topic_store_id, const sync::JournalBatch& batch) {
  return receive_batch([this] { return opened<SqliteLedgerTxn>(db_); }, topic_store_id, batch);
}

std::vector<Result<Received>> HqLedger::receive_group(const std::vector<Arrived>& arrived) {
  return hq::receive_group([this] { return opened<sql::Txn>(db_); },
                           [this](const char* savepoint) { return opened<SqliteLedgerTxn>(db_, savepoint); }, arrived);
}

Status HqLedger::rebuild_mirror() {
  auto ids = stores();
  if (!ids) return ids.status();
  if (Status s = sqlite_mirror::clear(db_); !s) return s;
  return hq::rebuild_mirror(
      *ids, [this](const std::string& id, uint64_t after, size_t limit) { return events(id, after, limit); },
      [this] { return opened<SqliteLedgerTxn>(db_, "mirror"); });
}

Result<std::vector<Event>> HqLedger::events(const std::string& store_id, uint64_t after, size_t limit) {
  auto st = db_.cached(
      "SELECT seq, ts, business_day, type, payload, prev_hash, hash, signature FROM hq_event "
      "WHERE store_id = ?1 AND seq > ?2 ORDER BY rowid LIMIT ?3");
  if (!st) return st.status();
  (*st)->bind(1, store_id).bind(2, static_cast<int64_t>(after)).bind(3, static_cast<int64_t>(limit));
  std::vector<Event> out;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return row.status();
    if (!*row) return out;
    auto payload = nlohmann::json::parse((*st)->text(4), nullptr, false);
    if (payload.is_discarded()) return Status::corruption("HQ holds a payload that is not JSON at seq " + std::to_string((*st)->int64(0)));
    out.push_back(Event{static_cast<uint64_t>((*st)->int64(0)), (*st)->text(1), (*st)->text(2), (*st)->text(3),
                        std::move(payload), (*st)->text(5), (*st)->text(6), (*st)->text(7)});
  }
}

Result<uint64_t> HqLedger::acked_seq(const std::string& store_id) {
  auto v = db_.query_int("SELECT acked_seq FROM hq_store WHERE store_id = ?1", store_id);
  if (!v) return v.status();
  if (!*v) return Status::not_found("unknown store \"" + store_id + "\"");
  return static_cast<uint64_t>(**v);
}

Result<std::pair<uint64_t, std::string>> HqLedger::acked_head(const std::string& store_id) {
  auto st = db_.cached("SELECT acked_seq, last_hash FROM hq_store WHERE store_id = ?1");
  if (!st) return st.status();
  (*st)->bind(1, store_id);
  auto row = (*st)->step();
  if (!row) return row.status();
  if (!*row) return Status::not_found("unknown store \"" + store_id + "\"");
  return std::make_pair(static_cast<uint64_t>((*st)->int64(0)), (*st)->text(1));
}

Result<std::vector<std::string>> HqLedger::stores() {
  return sql::all<std::string>(db_, "SELECT store_id FROM hq_store ORDER BY store_id",
                               [](sql::Stmt& st) { return st.text(0); });
}

Result<json> HqLedger::report(const std::string& store_id) {
  auto acked = acked_seq(store_id);
  if (!acked) return acked.status();
  auto events = db_.query_int("SELECT COUNT(*) FROM hq_event WHERE store_id = ?1", store_id);
  auto sales = db_.query_int("SELECT COUNT(*) FROM hq_event WHERE store_id = ?1 AND type = 'sale'", store_id);
  auto total = db_.query_int(
      "SELECT IFNULL(SUM(json_extract(payload, '$.total')), 0) FROM hq_event WHERE store_id = ?1 AND type = 'sale'",
      store_id);
  if (!events || !sales || !total) return Status::io_error("cannot read the ledger");
  json rejected = json::array();
  auto st = db_.prepare("SELECT at, reason FROM hq_rejected WHERE store_id = ?1 ORDER BY id");
  if (!st) return st.status();
  st->bind(1, store_id);
  for (;;) {
    auto row = st->step();
    if (!row) return row.status();
    if (!*row) break;
    rejected.push_back({{"at", st->text(0)}, {"reason", st->text(1)}});
  }
  json alarms = json::array();
  auto al = db_.prepare("SELECT at, seq, reason FROM hq_alarm WHERE store_id = ?1 ORDER BY id");
  if (!al) return al.status();
  al->bind(1, store_id);
  for (;;) {
    auto row = al->step();
    if (!row) return row.status();
    if (!*row) break;
    alarms.push_back({{"at", al->text(0)}, {"seq", al->int64(1)}, {"reason", al->text(2)}});
  }
  return json{{"store_id", store_id}, {"acked_seq", *acked}, {"events", events->value_or(0)},
              {"sales", sales->value_or(0)}, {"sales_total", total->value_or(0)}, {"rejected", rejected},
              {"alarms", alarms}};
}

}  // namespace posd::hq
