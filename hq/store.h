// What posd-hq keeps, behind one interface so that a backend (SQLite today,
// PostgreSQL next) plugs in without touching the serving loop or the tools:
// the stores and their keys, every (store, seq) held exactly once with the
// cumulative ack, rejections with their reason, and each store's down-log
// (gap-free hq_seq from 1, never changed once written) with the store's ack
// of what it applied. Not thread-safe: one thread uses one HqStore.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "hq/feed.h"
#include "hq/mirror.h"
#include "storage/event.h"
#include "sync/protocol.h"

namespace posd::hq {

struct Received {
  uint64_t acked_seq = 0;  // cumulative: every seq up to here is held
  std::string acked_hash;  // the hash of the event at acked_seq
  size_t stored = 0;       // events new to HQ in this batch
  size_t duplicates = 0;
  std::string rejected;    // the reason, when the batch stopped at a bad event
  bool unknown_store = false;  // no store of that id is registered: it gets no answer
};

// A batch as it arrived, on `topic_store_id`'s topic.
struct Arrived {
  std::string topic_store_id;
  sync::JournalBatch batch;
};

// Where a store stands at HQ: what HQ holds of its journal, and its down-log.
struct StorePosition {
  uint64_t acked_seq = 0;   // journal events held, without a gap
  uint64_t down_head = 0;   // the down-log's last hq_seq
  uint64_t down_acked = 0;  // what the store acknowledged applying
  uint64_t rejected = 0;    // batches and messages of the store HQ refused
  uint64_t quarantined = 0; // down-log entries the store could not apply
  std::string last_rejected;    // UTC, when HQ last refused one ("": never)
  std::string last_quarantined; // UTC, when the last entry the store could not apply was published ("": none)
};

using DownEntries = std::vector<std::pair<std::string, nlohmann::json>>;  // (kind, body)
// Each entry's body as the down-log stores it (its dump), made once for an
// append to any number of stores; invalid_argument, changing nothing, when
// a body is not a JSON object (the store could never apply it).
Result<std::vector<std::string>> body_texts(const DownEntries& entries);
// `given` when it holds body_texts(entries) already (one text per entry: a
// caller that made them to size its appends), else made here into `made`.
Result<const std::vector<std::string>*> body_texts(const DownEntries& entries, const std::vector<std::string>& given,
                                                   std::vector<std::string>& made);

// One store's figure for a SKU in the mirror (hq/mirror.h): on_hand as the
// store's GET /v1/stock/{sku} says it as of `as_of_seq` (what HQ holds of its
// journal), `reserved` of it held for click-and-collect orders (already out
// of on_hand, as at the store), `moved_seq` the last event that moved it.
struct StockAt {
  std::string store_id;
  int64_t on_hand = 0;
  int64_t reserved = 0;
  uint64_t moved_seq = 0;
  uint64_t as_of_seq = 0;
};

// A store's sales figures of one business day, by (hour, SKU) (hq/mirror.h).
struct DaySales {
  std::string business_day;  // empty: the store has sold nothing HQ holds
  std::map<SalesKey, SalesFigure> figures;
};

// A change published to stores' down-logs (prices, catalog, stock snapshots)
// and where each store stands with it: its entries are hq_seq first..last of
// that store's down-log; `acked` is what the store acknowledged applying,
// `outcomes` what its journal says of each of those entries.
struct ChangeStore {
  std::string store_id;
  uint64_t first = 0, last = 0, acked = 0;
  std::vector<DownOutcome> outcomes;
};
struct Change {
  uint64_t id = 0;
  std::string kind, at;
  std::vector<ChangeStore> stores;
};

// A click-and-collect order: the changes asked for it (reserve, release,
// pick; in order), and its state as the store's journal says (hq/mirror.h).
struct OrderView {
  std::vector<Change> changes;
  std::optional<Reservation> held;
};

class HqStore {
 public:
  virtual ~HqStore() = default;

  // Registers (or confirms) a store and its public key. A store keeps its key.
  virtual Status register_store(const std::string& store_id, const std::string& public_key_pem) = 0;
  // Every registered store, by id.
  virtual Result<std::vector<std::string>> stores() = 0;
  // The store's registered public key (PEM); not_found for an unknown store.
  virtual Result<std::string> public_key(const std::string& store_id) = 0;

  // Checks and stores a batch that arrived on `topic_store_id`'s topic: a
  // duplicate of what is held is skipped, a different event under a held seq
  // is rejected, the next seq must continue the chain and bear the store's
  // signature, a gap stops the batch. Every rejection is recorded.
  virtual Result<Received> receive(const std::string& topic_store_id, const sync::JournalBatch& batch) = 0;
  // Group commit: takes batches that arrived together, from any stores, each
  // as receive() would, in one transaction (one commit, one fsync) and
  // answers each in the order given. Nothing is answered before that commit;
  // when it fails, every answer is the failure.
  virtual std::vector<Result<Received>> receive_group(const std::vector<Arrived>& arrived) = 0;
  // Records a payload that could not even be decoded.
  virtual Status reject(const std::string& store_id, const std::string& reason) = 0;
  // Records a tampering alarm, distinct from a transport fault: the store's
  // journal contradicts what HQ holds (another event under a held seq, a
  // head announced behind what HQ holds). receive() raises the first itself.
  virtual Status alarm(const std::string& store_id, uint64_t seq, const std::string& reason) = 0;
  // The highest seq held without a gap; not_found for an unknown store.
  virtual Result<uint64_t> acked_seq(const std::string& store_id) = 0;
  // acked_seq and the hash of the event held there, read together (another
  // instance may store more between two reads); not_found for an unknown store.
  virtual Result<std::pair<uint64_t, std::string>> acked_head(const std::string& store_id) = 0;
  // {"store_id", "acked_seq", "events", "sales", "sales_total", "rejected": [...],
  //  "alarms": [{"at", "seq", "reason"}],
  //  "down_log": {"last_hq_seq", "acked_by_store"}}
  virtual Result<nlohmann::json> report(const std::string& store_id) = 0;
  // Up to `limit` events of the store after seq `after`, in the order stored.
  virtual Result<std::vector<Event>> events(const std::string& store_id, uint64_t after, size_t limit) = 0;

  // Every registered store's position, in one read (for /metrics).
  virtual Result<std::map<std::string, StorePosition>> positions() = 0;

  // The mirror (hq/mirror.h): every store's figure for `sku` (stores that
  // never moved it are left out), by store id.
  virtual Result<std::vector<StockAt>> stock_of(const std::string& sku) = 0;
  // The store's figures of `business_day`; an empty day: its latest.
  virtual Result<DaySales> sales_of(const std::string& store_id, const std::string& business_day) = 0;
  // Appends `entries` to each store's down-log as down_append_to does and
  // records them as one change, in the same transaction: its id. The SKUs
  // of its catalog_upsert entries become known (unknown_skus).
  // `order_ref` names the click-and-collect order the change is for ("": none).
  virtual Result<uint64_t> publish(const std::string& kind, const std::vector<std::string>& store_ids,
                                   const DownEntries& entries, const std::string& order_ref) = 0;
  // The order's changes and state; no changes: HQ never published for it.
  virtual Result<OrderView> order(const std::string& order_ref) = 0;
  // The ids of the last `limit` changes, newest first.
  virtual Result<std::vector<uint64_t>> recent_changes(size_t limit) = 0;
  // A change and each store's standing with it; nullopt for an unknown id.
  virtual Result<std::optional<Change>> change(uint64_t id) = 0;
  // Those of `skus` HQ has never seen: in no store's stock and in no catalog
  // HQ published.
  virtual Result<std::vector<std::string>> unknown_skus(const std::vector<std::string>& skus) = 0;

  // The feed (hq/feed.h): up to `limit` rows after id `after`, in id order.
  virtual Result<std::vector<FeedRow>> feed(uint64_t after, size_t limit) = 0;
  // The ids kept, and the highest ever given.
  virtual Result<FeedBounds> feed_bounds() = 0;
  // Puts items (hq/feed.h link_item) on the feed, in a transaction of their own.
  virtual Status feed_note(const std::vector<std::string>& items) = 0;
  // Drops the rows up to id `through` (retention).
  virtual Status feed_drop(uint64_t through) = 0;

  // The down-log. Appends in one transaction; returns the last hq_seq.
  virtual Result<uint64_t> down_append(const std::string& store_id, const DownEntries& entries) = 0;
  // The same entries appended to each store's down-log, all in one
  // transaction (all or none, one commit); the last hq_seq of each.
  // `bodies`: body_texts(entries) when the caller made them already.
  virtual Result<std::vector<uint64_t>> down_append_to(const std::vector<std::string>& store_ids,
                                                        const DownEntries& entries,
                                                        const std::vector<std::string>& bodies = {}) = 0;
  // Up to `limit` entries from hq_seq `first` on, each body as the text
  // stored, up to one whose text is corrupt (sync::check_stored_body):
  // corruption, naming it, when that is the first.
  virtual Result<std::vector<sync::StoredDownEntry>> down_read(const std::string& store_id, uint64_t first, size_t limit) = 0;
  // Up to `limit` entries of each store from its hq_seq in `firsts` on, in
  // one read (the serving loop's fan-out); stores with none are left out,
  // and so is a store whose next entry is corrupt (its down_read names it).
  virtual Result<std::map<std::string, std::vector<sync::StoredDownEntry>>> down_read_all(
      const std::map<std::string, uint64_t>& firsts, size_t limit) = 0;
  virtual Result<uint64_t> down_head(const std::string& store_id) = 0;
  // Every store's last hq_seq (stores with an empty down-log left out), in
  // one read: what the serving loop polls for entries other processes appended.
  virtual Result<std::map<std::string, uint64_t>> down_heads() = 0;
  virtual Result<uint64_t> down_acked(const std::string& store_id) = 0;
  // Records the store's cumulative ack; an ack beyond the head is refused.
  virtual Status down_ack(const std::string& store_id, uint64_t seq) = 0;
  // Many stores' acks in one write; the stores whose ack was refused (beyond
  // their head, or no down-log) are answered, and the others recorded.
  virtual Result<std::vector<std::string>> down_ack_all(const std::map<std::string, uint64_t>& acks) = 0;
};

// posd-hq's database named by `url`: "postgresql://…" or "postgres://…" is
// PostgreSQL, "sqlite:PATH" or a plain path is SQLite. The schema is brought
// to this version at open (versioned migrations, on both backends).
Result<std::unique_ptr<HqStore>> open_store(const std::string& url);
// A SQLite file at `path` (created when absent). Several processes may use
// one file: writers take turns (BEGIN IMMEDIATE).
Result<std::unique_ptr<HqStore>> open_sqlite_store(const std::string& path);
// A PostgreSQL database (libpq's URL); several instances may share it.
Result<std::unique_ptr<HqStore>> open_postgres_store(const std::string& url);

}  // namespace posd::hq
