// Verifies a run of journal events, fed in order: each must follow the last
// without a gap, carry the last one's hash as prev_hash, hash to what it says,
// and bear a valid signature by the store's key. Seq 1 must be the genesis
// naming that same key. A run may start after seq 1 (an export --from N): its
// first prev_hash is then taken as given.
#pragma once

#include <cstdint>
#include <string>

#include "storage/event.h"
#include "storage/store_key.h"

namespace posd {

// Makes `e` (its prev_hash and content set) a link of the chain: its hash,
// and `key`'s signature of that hash. The journal seals every event so.
void seal(Event& e, const StoreKey& key);
// The same, given the text of e.payload (payload_text), so that it is made once.
void seal(Event& e, const StoreKey& key, std::string_view payload);

class ChainVerifier {
 public:
  explicit ChainVerifier(PublicKey key) : key_(std::move(key)) {}

  // Continues a chain whose events up to `last_seq` (hash `last_hash`) were
  // verified before: the next event fed must be last_seq + 1.
  void resume(uint64_t last_seq, std::string last_hash) {
    count_ = last_seq;
    last_seq_ = last_seq;
    last_hash_ = std::move(last_hash);
  }

  // Ok, or Status::corruption("seq N: why") for the first event that fails.
  // With Signature::deferred the signature's form is checked but not its
  // value: a caller that later verifies the signature of the last event fed
  // (check_signature) has verified them all in content, since every hash
  // covers the one before it. HQ seals each batch this way.
  enum class Signature { verify, deferred };
  Status feed(const Event& e, Signature signature = Signature::verify);
  // The same, given the text of e.payload (payload_text), so that it is made once.
  Status feed(const Event& e, std::string_view payload, Signature signature = Signature::verify);
  Status check_signature(const Event& e) const;

  uint64_t count() const { return count_; }
  uint64_t last_seq() const { return last_seq_; }

 private:
  Status links(const Event& e) const;  // seq, hex form, genesis, prev_hash
  Status sealed(const Event& e, std::string_view payload, Signature signature);  // hash, signature; then taken

  PublicKey key_;
  uint64_t count_ = 0;
  uint64_t last_seq_ = 0;
  std::string last_hash_;
};

}  // namespace posd
