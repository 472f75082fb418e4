// How HQ takes a store's batch, the same on every backend: inside one
// transaction that holds the store's row (serialised per store, never across
// stores), a duplicate of what is held is skipped, a different event under a
// held seq is rejected with a tampering alarm, the next seq must continue the
// hash chain and bear the store's signature, and a gap stops the batch (the
// store re-sends). Only a batch sealed by a verified signature is kept.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hq/feed.h"
#include "hq/mirror.h"
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
  // `payload` is the event's payload as its hash covers it (checked).
  virtual Status insert(const std::string& store_id, const Event& e, std::string payload) = 0;
  virtual Status move_head(const std::string& store_id, uint64_t acked_seq, const std::string& last_hash) = 0;
  virtual Status record_rejection(const std::string& store_id, const std::string& reason) = 0;
  virtual Status record_alarm(const std::string& store_id, uint64_t seq, const std::string& reason) = 0;
  // A sale HQ holds (hq/mirror.h HeldSale): the event at `seq`, or without
  // one the sale event with `receipt_no`; nullopt when HQ holds none.
  virtual Result<std::optional<Event>> held_sale(const std::string& store_id, std::optional<uint64_t> seq,
                                                 int64_t receipt_no) = 0;
  // Writes what a pass's events changed in the store's mirror (hq/mirror.h).
  virtual Status apply_mirror(const std::string& store_id, const MirrorDelta& delta) = 0;
  // Puts a pass's rows on the feed (hq/feed.h), after apply_mirror: they
  // become visible with the transaction, in the order of commits.
  virtual Status feed(FeedDraft draft) = 0;
  virtual Status commit() = 0;
};

// Rebuilds the mirror of `stores` from every event HQ holds, in order:
// `read(store, after, limit)` gives the events, `begin()` a transaction (or
// savepoint) for each chunk. The schema's migration to the mirror runs it.
template <typename Read, typename Begin>
Status rebuild_mirror(const std::vector<std::string>& stores, Read read, Begin begin) {
  for (const std::string& store : stores) {
    for (uint64_t after = 0;;) {
      auto events = read(store, after, 10000);
      if (!events) return events.status();
      if (events->empty()) break;
      auto txn = begin();
      if (!txn) return txn.status();
      MirrorPass pass([&](std::optional<uint64_t> seq, int64_t receipt) { return (*txn)->held_sale(store, seq, receipt); });
      for (const Event& e : *events) {
        if (Status s = pass.take(e); !s) return s;
      }
      if (Status s = (*txn)->apply_mirror(store, pass.delta()); !s) return s;
      if (Status s = (*txn)->commit(); !s) return s;
      after = events->back().seq;
    }
  }
  return Status::ok();
}

// HqStore::positions() in the SQL both backends speak.
inline constexpr const char* kPositions =
    "SELECT s.store_id, s.acked_seq, COALESCE(d.head, 0), COALESCE(d.acked, 0), "
    "(SELECT COUNT(*) FROM hq_rejected r WHERE r.store_id = s.store_id), "
    "(SELECT COUNT(*) FROM hq_down_outcome o WHERE o.store_id = s.store_id AND NOT o.applied), "
    "COALESCE((SELECT MAX(r.at) FROM hq_rejected r WHERE r.store_id = s.store_id), ''), "
    "COALESCE((SELECT MAX(d.at) FROM hq_down_outcome o JOIN hq_down d ON d.store_id = o.store_id AND d.hq_seq = o.hq_seq "
    "WHERE o.store_id = s.store_id AND NOT o.applied), '') "
    "FROM hq_store s LEFT JOIN hq_down_ack d ON d.store_id = s.store_id";

// A transaction object of type T made from `args`, or the status its BEGIN
// (or SAVEPOINT) failed with: what the begin functions below return.
template <typename T, typename... Args>
Result<std::unique_ptr<T>> opened(Args&&... args) {
  auto txn = std::make_unique<T>(std::forward<Args>(args)...);
  if (!txn->status()) return txn->status();
  return txn;
}

// Takes `batch`, which arrived on `topic_store_id`'s topic, through
// transactions that begin() opens: first verifying only the signature that
// seals the batch, and when that fails, again event by event to keep what
// came before the bad event.
template <typename Begin>
Result<Received> receive_batch(Begin begin, const std::string& topic_store_id, const sync::JournalBatch& batch);

// Group commit: `begin_group()` opens the transaction of every batch in
// `arrived`, `begin(name)` a savepoint inside it for one pass over one batch.
// The batches are taken in store order (stable), so instances that lock
// stores' rows in one transaction never wait on each other in a circle.
template <typename BeginGroup, typename Begin>
std::vector<Result<Received>> receive_group(BeginGroup begin_group, Begin begin, const std::vector<Arrived>& arrived);

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

template <typename BeginGroup, typename Begin>
std::vector<Result<Received>> receive_group(BeginGroup begin_group, Begin begin, const std::vector<Arrived>& arrived) {
  auto fail_all = [&](const Status& s) { return std::vector<Result<Received>>(arrived.size(), Result<Received>(s)); };
  auto group = begin_group();
  if (!group) return fail_all(group.status());
  std::vector<size_t> order(arrived.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return arrived[a].topic_store_id < arrived[b].topic_store_id; });
  std::vector<Result<Received>> out(arrived.size(), Result<Received>(Status::unavailable("not taken")));
  for (size_t i : order) {
    out[i] = receive_batch([&] { return begin("batch"); }, arrived[i].topic_store_id, arrived[i].batch);
  }
  if (Status s = (*group)->commit(); !s) return fail_all(s);
  return out;
}

}  // namespace posd::hq
