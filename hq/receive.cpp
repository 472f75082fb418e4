#include "hq/receive.h"

#include <map>

#include "base/clock.h"
#include "storage/chain.h"

namespace posd::hq {

namespace {

// A store's public key from its PEM text, parsed once per thread: OpenSSL
// 3.0's PEM decoder took a fifth of posd-hq's CPU while it received a
// catalog's records, one parse per batch. Keyed by the text, so a store
// registered again with a new key gets the new one; bounded by the fleet.
Result<PublicKey> key_of(const std::string& pem) {
  constexpr size_t kKept = 20000;
  thread_local std::map<std::string, PublicKey, std::less<>> parsed;
  if (auto it = parsed.find(pem); it != parsed.end()) return it->second;
  auto key = PublicKey::from_pem(pem);
  if (!key) return key;
  if (parsed.size() >= kKept) parsed.clear();
  parsed.emplace(pem, *key);
  return key;
}

}  // namespace

// Over 60 lines: one transaction whose closures (keep, refuse) share its state.
Result<Received> receive_once(LedgerTxn& txn, const std::string& topic_store_id, const sync::JournalBatch& batch,
                              bool every_signature, bool& sealed) {
  auto head = txn.lock_store(topic_store_id);
  if (!head) return head.status();
  Received out;
  std::optional<ChainVerifier> chain;
  const Event* last_stored = nullptr;
  // What is kept must be sealed by a verified signature first.
  auto unsealed = [&] {
    if (every_signature || !last_stored || chain->check_signature(*last_stored)) return false;
    sealed = false;
    return true;
  };
  std::string last_hash;
  MirrorPass mirror([&](std::optional<uint64_t> seq, int64_t receipt) { return txn.held_sale(topic_store_id, seq, receipt); });
  // Commits what was stored, with HQ's new position in the store's chain.
  auto keep = [&]() -> Result<Received> {
    out.acked_hash = last_hash;
    if (out.stored > 0) {
      if (Status s = txn.apply_mirror(topic_store_id, mirror.delta()); !s) return s;
      if (Status s = txn.move_head(topic_store_id, out.acked_seq, last_hash); !s) return s;
    }
    if (!out.unknown_store && (out.stored > 0 || !out.rejected.empty())) {
      FeedDraft draft = feed_draft(topic_store_id, format_utc(Clock::system().now()), out.acked_seq, mirror.delta(), out.rejected);
      if (Status s = txn.feed(std::move(draft)); !s) return s;
    }
    if (Status s = txn.commit(); !s) return s;
    return out;
  };
  auto refuse = [&](const std::string& reason) -> Result<Received> {
    if (unsealed()) return out;  // rolled back; the caller verifies event by event
    out.rejected = reason;
    if (Status s = txn.record_rejection(topic_store_id, reason); !s) return s;
    return keep();
  };
  out.unknown_store = !*head;
  if (!*head) return refuse("unknown store \"" + topic_store_id + "\"");
  auto key = key_of((*head)->public_key_pem);
  out.acked_seq = (*head)->acked_seq;
  last_hash = (*head)->last_hash;
  if (!key) return key.status();
  if (batch.store_id != topic_store_id) {
    return refuse("a batch naming store \"" + batch.store_id + "\" arrived on the topic of \"" + topic_store_id + "\"");
  }

  chain.emplace(*key);
  chain->resume(out.acked_seq, last_hash);
  const auto signature = every_signature ? ChainVerifier::Signature::verify : ChainVerifier::Signature::deferred;
  const bool as_received = batch.payload_texts.size() == batch.events.size();
  for (size_t i = 0; i < batch.events.size(); ++i) {
    const Event& e = batch.events[i];
    if (e.seq <= out.acked_seq) {
      auto held = txn.held_hash(topic_store_id, e.seq);
      if (!held) return held.status();
      if (*held != e.hash) {
        // Not a transport fault: the store's journal now says something else
        // under a seq HQ holds. Kept as a tampering alarm besides the rejection.
        const std::string why = "seq " + std::to_string(e.seq) + ": differs from the event HQ holds";
        if (Status s = txn.record_alarm(topic_store_id, e.seq, why + ": the store's journal was rewritten"); !s) return s;
        return refuse(why);
      }
      ++out.duplicates;
      continue;
    }
    if (e.seq > out.acked_seq + 1) break;  // a gap: the store sends again from acked_seq + 1
    // The payload's text is made and checked once: its hash, then its row.
    // Read from posd's canonical message, it is the text that arrived (the
    // reader proved it the payload's dump, within the payload rules).
    auto text = as_received ? Result<std::string>(batch.payload_texts[i]) : payload_text(e.payload);
    Status fed = text ? chain->feed(e, *text, signature) : chain->feed(e, signature);  // the same refusal as ever
    if (Status s = fed; !s) {
      // The store's own key signed an event that does not follow the one HQ
      // holds: the owner rewrote the chain after HQ's ack.
      if (e.seq == out.acked_seq + 1 && e.prev_hash != last_hash && chain->check_signature(e)) {
        const std::string why = "seq " + std::to_string(e.seq) + ": the store signed an event that does not follow seq " +
                                std::to_string(out.acked_seq) + " as HQ holds it: its journal was rewritten";
        if (Status a = txn.record_alarm(topic_store_id, e.seq, why); !a) return a;
      }
      return refuse(s.message());
    }
    if (Status s = txn.insert(topic_store_id, e, std::move(*text)); !s) return s;
    if (Status s = mirror.take(e); !s) return s;
    out.acked_seq = e.seq;
    last_hash = e.hash;
    last_stored = &e;
    ++out.stored;
  }
  if (unsealed()) return out;  // rolled back; the caller verifies event by event
  return keep();
}

}  // namespace posd::hq
