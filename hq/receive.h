// How HQ takes a store's batch, the same on every backend: inside one
// transaction that holds the store's row (serialised per store, never across
// stores), a duplicate of what is held is skipped, a different event under a
// held seq is rejected with a tampering alarm, the next seq must continue the
// hash chain and bear the store's signature, and a gap stops the batch (the
// store re-sends). Only a batch sealed by a verified signature is kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hq/store.h"
#include "storage/event.h"

namespace posd::hq {

// Where HQ stands in a store's chain, and the key it verifies with.
struct StoreHead {
  std::string public_key_pem;
  uint64_t acked_seq = 0;
  std::string last_hash;
};

// One open transaction of a backend; rolled back when destroyed uncommitted.
class LedgerTxn {
 public:
  virtual ~LedgerTxn() = default;
  // The store's head, locked until the transaction ends; nullopt: unknown store.
  virtual Result<std::optional<StoreHead>> lock_store(const std::string& store_id) = 0;
  // The hash HQ holds at (store, seq); empty when it holds none.
  virtual Result<std::string> held_hash(const std::string& store_id, uint64_t seq) = 0;
  virtual Status insert(const std::string& store_id, const Event& e) = 0;
  virtual Status move_head(const std::string& store_id, uint64_t acked_seq, const std::string& last_hash) = 0;
  virtual Status record_rejection(const std::string& store_id, const std::string& reason) = 0;
  virtual Status record_alarm(const std::string& store_id, uint64_t seq, const std::string& reason) = 0;
  virtual Status commit() = 0;
};

// Takes `batch`, which arrived on `topic_store_id`'s topic, through
// transactions that begin() opens: first verifying only the signature that
// seals the batch, and when that fails, again event by event to keep what
// came before the bad event.
template <typename Begin>
Result<Received> receive_batch(Begin begin, const std::string& topic_store_id, const sync::JournalBatch& batch);

// One pass in `txn` (see receive_batch); `sealed` false: nothing was kept.
Result<Received> receive_once(LedgerTxn& txn, const std::string& topic_store_id, const sync::JournalBatch& batch,
                              bool every_signature, bool& sealed);

template <typename Begin>
Result<Received> receive_batch(Begin begin, const std::string& topic_store_id, const sync::JournalBatch& batch) {
  for (bool every_signature : {false, true}) {
    auto txn = begin();
    if (!txn) return txn.status();
    bool sealed = true;
    auto r = receive_once(**txn, topic_store_id, batch, every_signature, sealed);
    if (!r || sealed) return r;
  }
  return Status::corruption("a batch verified event by event was not sealed");  // receive_once never does this
}

}  // namespace posd::hq
