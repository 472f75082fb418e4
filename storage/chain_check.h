// The journal's check of itself, so that posd never signs on a broken chain.
// Three marks are kept beside the journal (table journal_mark):
//   head        the last event the writer wrote, moved with every batch;
//   checkpoint  the last event up to which the chain was verified, signed by
//               the store key so that a check can start there;
//   hq_ack      the last event HQ acknowledged holding: an anchor outside.
// check_chain verifies from the checkpoint (or seq 1) to the journal's end,
// then holds the end against every mark: an end behind a mark, or a mark's
// seq holding another hash, is a journal cut or rewritten.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "storage/sqlite.h"
#include "storage/store_key.h"

namespace posd {

struct ChainCheck {
  Status verdict = Status::ok();  // or corruption("seq N: why") / corruption(why)
  uint64_t from_seq = 0;          // the checkpoint it started after (0: the genesis)
  uint64_t head_seq = 0;          // the journal's last event
  std::string head_hash;
  uint64_t events = 0;            // events verified
  std::chrono::nanoseconds took{};
};

// Checks `db`'s journal; run it inside a transaction for one snapshot. Every
// hash is recomputed and linked; the signature of the checkpoint's event and
// of the last event are verified (each hash covers all before it).
ChainCheck check_chain(sql::Db& db, const PublicKey& key, std::string_view store_id);

// The part a start from the checkpoint skipped: seq 1 to `until` (the
// checkpoint's seq), hashes and links, sealed by the signature of `until`'s
// event. Runs beside the writer after start; `stop` ends it early (ok).
ChainCheck check_chain_below(sql::Db& db, const PublicKey& key, uint64_t until, const std::function<bool()>& stop);

// Records (seq, hash) as the verified checkpoint, signed by `key`.
Status record_checkpoint(sql::Db& db, const StoreKey& key, std::string_view store_id, uint64_t seq,
                         const std::string& hash);

// Records a mark: "head" (the writer, each batch) or "hq_ack" (HQ's ack).
Status record_mark(sql::Db& db, std::string_view name, uint64_t seq, const std::string& hash);
// Moves mark `name` to the journal's event at `seq` when that is ahead of
// where it is (HQ's ack: the furthest event HQ ever held stays the anchor).
Status advance_mark(sql::Db& db, std::string_view name, uint64_t seq);

}  // namespace posd
