// The SQLite backend of HqStore, its Store → HQ half (hq/store.h):
// each store's registered public key and every (store, seq) held exactly once.
// A batch is checked event by event: a duplicate of what is held is skipped
// (a different event under a held seq is rejected), the next seq must
// continue the hash chain and bear the store's signature, and a gap stops the
// batch (the store re-sends). The answer is the cumulative ack: the highest
// seq held without a gap. Every rejection is recorded with its reason.
// Not thread-safe: one thread uses a ledger.
#pragma once

#include <map>
#include <string>

#include "hq/store.h"
#include "storage/sqlite.h"
#include "storage/store_key.h"

namespace posd::hq {

class HqLedger {
 public:
  static Result<HqLedger> open(const std::string& path);

  // Registers (or confirms) a store and its public key. A store keeps its key.
  Status register_store(const std::string& store_id, const std::string& public_key_pem);
  // Checks and stores a batch that arrived on `topic_store_id`'s topic.
  Result<Received> receive(const std::string& topic_store_id, const sync::JournalBatch& batch);
  // Records a payload that could not even be decoded.
  Status reject(const std::string& topic_store_id, const std::string& reason);
  // Records a tampering alarm: the store's journal contradicts what HQ holds.
  Status alarm(const std::string& store_id, uint64_t seq, const std::string& reason);

  Result<uint64_t> acked_seq(const std::string& store_id);
  Result<std::pair<uint64_t, std::string>> acked_head(const std::string& store_id);
  // Every registered store, by id.
  Result<std::vector<std::string>> stores();
  // {"store_id", "acked_seq", "events", "sales", "sales_total", "rejected": [...]}
  Result<nlohmann::json> report(const std::string& store_id);
  sql::Db& db() { return db_; }

 private:
  explicit HqLedger(sql::Db db) : db_(std::move(db)) {}
  // One pass over a batch. With every_signature false only the last stored
  // event's signature is verified (it seals the chain before it); when that
  // fails, nothing is kept and `sealed` is false, and the caller goes again
  // verifying every signature, to keep what came before the bad event.
  Result<Received> receive_once(const std::string& topic_store_id, const sync::JournalBatch& batch, bool every_signature,
                                bool& sealed);
  // The hash HQ holds at (store, seq); empty when it holds none.
  Result<std::string> held_hash(const std::string& store_id, uint64_t seq);
  Status insert_event(const std::string& store_id, const Event& e);
  sql::Db db_;
  std::map<std::string, PublicKey> keys_;
};

}  // namespace posd::hq
