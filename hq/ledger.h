// The SQLite backend of HqStore, its Store → HQ half (hq/store.h):
// each store's registered public key and every (store, seq) held exactly once.
// A batch is taken as hq/receive.h says; the answer is the cumulative ack:
// the highest seq held without a gap. Every rejection is recorded with its reason.
// Not thread-safe: one thread uses a ledger.
#pragma once

#include <string>
#include <vector>

#include "hq/store.h"
#include "storage/sqlite.h"

namespace posd::hq {

class HqLedger {
 public:
  static Result<HqLedger> open(const std::string& path);

  // Registers (or confirms) a store and its public key. A store keeps its key.
  Status register_store(const std::string& store_id, const std::string& public_key_pem);
  // Checks and stores a batch that arrived on `topic_store_id`'s topic.
  Result<Received> receive(const std::string& topic_store_id, const sync::JournalBatch& batch);
  // Batches that arrived together, in one transaction (hq/store.h).
  std::vector<Result<Received>> receive_group(const std::vector<Arrived>& arrived);
  // Records a payload that could not even be decoded.
  Status reject(const std::string& topic_store_id, const std::string& reason);
  // Records a tampering alarm: the store's journal contradicts what HQ holds.
  Status alarm(const std::string& store_id, uint64_t seq, const std::string& reason);

  Result<uint64_t> acked_seq(const std::string& store_id);
  Result<std::pair<uint64_t, std::string>> acked_head(const std::string& store_id);
  // The store's registered public key (PEM); not_found for an unknown store.
  Result<std::string> public_key(const std::string& store_id);
  // Every registered store, by id.
  Result<std::vector<std::string>> stores();
  // {"store_id", "acked_seq", "events", "sales", "sales_total", "rejected": [...]}
  Result<nlohmann::json> report(const std::string& store_id);
  // Up to `limit` events of the store after seq `after`, in the order stored.
  Result<std::vector<Event>> events(const std::string& store_id, uint64_t after, size_t limit);
  // Makes the mirror (hq/mirror.h) again from every event held; inside the
  // caller's transaction.
  Status rebuild_mirror();
  sql::Db& db() { return db_; }

 private:
  explicit HqLedger(sql::Db db) : db_(std::move(db)) {}
  sql::Db db_;
};

}  // namespace posd::hq
