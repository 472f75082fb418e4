#include "storage/chain.h"

#include "base/digest.h"

namespace posd {

namespace {
Status bad(uint64_t seq, const std::string& why) {
  return Status::corruption("seq " + std::to_string(seq) + ": " + why);
}
}  // namespace

void seal(Event& e, const StoreKey& key, std::string_view payload) {
  e.hash = chain_hash(e, payload);
  e.signature = to_hex(key.sign(*from_hex(e.hash)));
}

void seal(Event& e, const StoreKey& key) { seal(e, key, e.payload.dump()); }

Status ChainVerifier::check_signature(const Event& e) const {
  auto hash = from_hex(e.hash);
  auto sig = from_hex(e.signature);
  if (!hash || !sig || !key_.verify(*hash, *sig)) return bad(e.seq, "bad signature");
  return Status::ok();
}

Status ChainVerifier::feed(const Event& e, Signature signature) {
  if (Status s = links(e); !s) return s;
  auto text = payload_text(e.payload);
  if (!text) return bad(e.seq, text.status().message());
  return sealed(e, *text, signature);
}

Status ChainVerifier::feed(const Event& e, std::string_view payload, Signature signature) {
  if (Status s = links(e); !s) return s;
  return sealed(e, payload, signature);
}

Status ChainVerifier::links(const Event& e) const {
  if (count_ > 0 && e.seq != last_seq_ + 1) {
    return bad(e.seq, "gap: expected seq " + std::to_string(last_seq_ + 1));
  }
  if (count_ == 0 && e.seq == 0) return bad(0, "seq must start at 1");
  if (Status s = check_hex_form(e); !s) return bad(e.seq, s.message());
  if (e.seq == 1) {
    if (e.prev_hash != genesis_prev_hash()) return bad(1, "genesis prev_hash must be all zeros");
    if (e.type != "genesis") return bad(1, "the first event must be the genesis");
    auto pk = e.payload.find("public_key");
    if (pk == e.payload.end() || !pk->is_string() || *pk != key_.pem()) {
      return bad(1, "genesis names a different public key");
    }
  }
  if (count_ > 0 && e.prev_hash != last_hash_) {
    return bad(e.seq, "prev_hash does not match the hash of seq " + std::to_string(last_seq_));
  }
  return Status::ok();
}

Status ChainVerifier::sealed(const Event& e, std::string_view payload, Signature signature) {
  if (chain_hash(e, payload) != e.hash) return bad(e.seq, "hash mismatch");
  if (signature == Signature::verify) {
    if (Status s = check_signature(e); !s) return s;
  }
  ++count_;
  last_seq_ = e.seq;
  last_hash_ = e.hash;
  return Status::ok();
}

}  // namespace posd
