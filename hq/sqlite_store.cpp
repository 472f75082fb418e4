// HqStore on one SQLite connection: the ledger (Store → HQ) and the down-log
// (HQ → store) share it, so a report reads both at one point in time.
#include <optional>

#include "base/clock.h"
#include "hq/changes.h"
#include "hq/down_log.h"
#include "hq/ledger.h"
#include "hq/receive.h"
#include "hq/sqlite_feed.h"
#include "hq/sqlite_mirror.h"
#include "hq/store.h"

namespace posd::hq {

namespace {

class SqliteStore final : public HqStore {
 public:
  explicit SqliteStore(HqLedger ledger) : ledger_(std::move(ledger)) {}
  Status open_down_log() {
    auto down = HqDownLog::open(ledger_.db());
    if (!down) return down.status();
    down_.emplace(std::move(*down));
    return Status::ok();
  }

  sql::Db& db() { return ledger_.db(); }
  Status set_version(int64_t v) { return ledger_.db().exec("PRAGMA user_version = " + std::to_string(v)); }

  Status register_store(const std::string& id, const std::string& pem) override { return ledger_.register_store(id, pem); }
  Result<std::vector<std::string>> stores() override { return ledger_.stores(); }
  Result<std::string> public_key(const std::string& id) override { return ledger_.public_key(id); }
  Result<Received> receive(const std::string& id, const sync::JournalBatch& b) override { return ledger_.receive(id, b); }
  std::vector<Result<Received>> receive_group(const std::vector<Arrived>& arrived) override {
    return ledger_.receive_group(arrived);
  }
  Status reject(const std::string& id, const std::string& reason) override { return ledger_.reject(id, reason); }
  Status alarm(const std::string& id, uint64_t seq, const std::string& reason) override {
    return ledger_.alarm(id, seq, reason);
  }
  Result<uint64_t> acked_seq(const std::string& id) override { return ledger_.acked_seq(id); }
  Result<std::pair<uint64_t, std::string>> acked_head(const std::string& id) override { return ledger_.acked_head(id); }
  Result<nlohmann::json> report(const std::string& id) override {
    auto r = ledger_.report(id);
    if (!r) return r;
    auto acked = down_->acked(id);
    auto head = down_->head(id);
    if (acked && head) (*r)["down_log"] = {{"last_hq_seq", *head}, {"acked_by_store", *acked}};
    return r;
  }

  Result<std::vector<Event>> events(const std::string& id, uint64_t after, size_t limit) override {
    return ledger_.events(id, after, limit);
  }

  Result<std::vector<uint64_t>> recent_changes(size_t limit) override {
    auto st = db().cached("SELECT id FROM hq_change ORDER BY id DESC LIMIT ?1");
    if (!st) return st.status();
    (*st)->bind(1, static_cast<int64_t>(limit));
    std::vector<uint64_t> out;
    for (;;) {
      auto row = (*st)->step();
      if (!row) return row.status();
      if (!*row) return out;
      out.push_back(static_cast<uint64_t>((*st)->int64(0)));
    }
  }
  Result<std::vector<FeedRow>> feed(uint64_t after, size_t limit) override { return sqlite_feed::read(db(), after, limit); }
  Result<FeedBounds> feed_bounds() override { return sqlite_feed::bounds(db()); }
  Status feed_note(const std::vector<std::string>& items) override {
    sql::Txn txn(db());
    if (!txn.status()) return txn.status();
    const std::string at = format_utc(Clock::system().now());
    for (const std::string& item : items) {
      if (Status s = sqlite_feed::note(db(), at, item); !s) return s;
    }
    return txn.commit();
  }
  Status feed_drop(uint64_t through) override { return sqlite_feed::drop(db(), through); }

  Result<uint64_t> down_append(const std::string& id, const DownEntries& e) override { return down_->append(id, e); }
  Result<std::vector<uint64_t>> down_append_to(const std::vector<std::string>& ids, const DownEntries& e,
                                                const std::vector<std::string>& bodies = {}) override {
    return down_->append_to(ids, e, bodies);
  }
  Result<std::vector<sync::StoredDownEntry>> down_read(const std::string& id, uint64_t first, size_t limit) override {
    return down_->read(id, first, limit);
  }
  Result<std::map<std::string, std::vector<sync::StoredDownEntry>>> down_read_all(
      const std::map<std::string, uint64_t>& firsts, size_t limit) override {
    std::map<std::string, std::vector<sync::StoredDownEntry>> out;  // one connection, cached statements: no round trips
    for (const auto& [id, first] : firsts) {
      auto entries = down_->read(id, first, limit);
      if (!entries && entries.status().code() == Status::Code::corruption) continue;  // holds up this store only
      if (!entries) return entries.status();
      if (!entries->empty()) out[id] = std::move(*entries);
    }
    return out;
  }
  Result<std::vector<std::string>> down_ack_all(const std::map<std::string, uint64_t>& acks) override {
    sql::Txn txn(db());
    if (!txn.status()) return txn.status();
    std::vector<std::string> refused;
    for (const auto& [id, seq] : acks) {
      Status s = down_->ack(id, seq);
      if (s.code() == Status::Code::invalid_argument) refused.push_back(id);
      else if (!s) return s;
    }
    if (Status s = txn.commit(); !s) return s;
    return refused;
  }
  Result<uint64_t> down_head(const std::string& id) override { return down_->head(id); }
  Result<std::map<std::string, uint64_t>> down_heads() override { return down_->heads(); }
  Result<std::map<std::string, StorePosition>> positions() override {
    auto st = db().cached(kPositions);
    if (!st) return st.status();
    std::map<std::string, StorePosition> out;
    for (;;) {
      auto row = (*st)->step();
      if (!row) return row.status();
      if (!*row) break;
      out[(*st)->text(0)] = StorePosition{static_cast<uint64_t>((*st)->int64(1)), static_cast<uint64_t>((*st)->int64(2)),
                                          static_cast<uint64_t>((*st)->int64(3)), static_cast<uint64_t>((*st)->int64(4)),
                                          static_cast<uint64_t>((*st)->int64(5)), (*st)->text(6), (*st)->text(7)};
    }
    (*st)->reset();
    return out;
  }
  Result<std::vector<StockAt>> stock_of(const std::string& sku) override { return sqlite_mirror::stock_of(db(), sku); }
  Result<DaySales> sales_of(const std::string& id, const std::string& day) override {
    return sqlite_mirror::sales_of(db(), id, day);
  }
  Result<uint64_t> publish(const std::string& kind, const std::vector<std::string>& ids, const DownEntries& e,
                           const std::string& order_ref) override {
    if (e.empty()) return Status::invalid_argument("a change needs at least one entry");
    sql::Txn txn(db());
    if (!txn.status()) return txn.status();
    auto last = down_->append_in_open(ids, e);
    if (!last) return last.status();
    auto id = sqlite_mirror::record_change(db(), kind, ids, *last, e.size(), catalog_skus(e), order_ref);
    if (!id) return id.status();
    if (Status s = txn.commit(); !s) return s;
    return id;
  }
  Result<std::optional<Change>> change(uint64_t id) override { return sqlite_mirror::change(db(), id); }
  Result<OrderView> order(const std::string& order_ref) override { return sqlite_mirror::order(db(), order_ref); }
  Result<std::vector<std::string>> unknown_skus(const std::vector<std::string>& skus) override {
    return sqlite_mirror::unknown_skus(db(), skus);
  }
  Status migrate_to_2() { return down_->add_heads(); }
  Status migrate_to_3() { return ledger_.rebuild_mirror(); }
  Result<uint64_t> down_acked(const std::string& id) override { return down_->acked(id); }
  Status down_ack(const std::string& id, uint64_t seq) override { return down_->ack(id, seq); }

 private:
  HqLedger ledger_;
  std::optional<HqDownLog> down_;  // on the ledger's connection
};

}  // namespace

// Version 1 is the tables of the ledger and the down-log, made with IF NOT
// EXISTS, so that a file from before versions existed (0) takes it as is;
// version 2 adds each store's down-log head beside its ack; version 3 the
// mirror (hq/mirror.h), made from every event already held, and the changes;
// version 4 the feed (hq/feed.h), which starts empty.
constexpr int64_t kSchemaVersion = 4;

Result<std::unique_ptr<HqStore>> open_sqlite_store(const std::string& path) {
  auto ledger = HqLedger::open(path);
  if (!ledger) return ledger.status();
  auto version = ledger->db().query_int("PRAGMA user_version");
  if (!version) return version.status();
  if (version->value_or(0) > kSchemaVersion) {
    return Status::invalid_argument("HQ's database is at schema version " + std::to_string(version->value_or(0)) +
                                    ", newer than this posd-hq knows");
  }
  auto store = std::make_unique<SqliteStore>(std::move(*ledger));
  if (Status s = store->open_down_log(); !s) return s;
  if (version->value_or(0) < kSchemaVersion) {
    sql::Txn txn(store->db());
    if (!txn.status()) return txn.status();
    if (version->value_or(0) < 2) {
      if (Status s = store->migrate_to_2(); !s) return s;
    }
    if (version->value_or(0) < 3) {
      if (Status s = store->migrate_to_3(); !s) return s;
    }
    if (Status s = store->set_version(kSchemaVersion); !s) return s;
    if (Status s = txn.commit(); !s) return s;
  }
  return std::unique_ptr<HqStore>(std::move(store));
}

}  // namespace posd::hq
