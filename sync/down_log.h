// The store's side of HQ → store: applying one down-log entry. Entries apply
// in hq_seq order only, each in the journal's transaction together with the
// hq_applied_seq cursor and a journal event that records it ("hq_applied").
// A duplicate or an entry ahead of the next changes nothing. An entry that
// cannot apply (a bad body, an unknown SKU, an unknown kind) is quarantined:
// recorded with its reason ("hq_quarantined", table down_quarantine), and the
// cursor moves past it so the entries behind it still apply. Kinds and bodies:
// docs/sync-protocol.md.
#pragma once

#include <memory>

#include "storage/journal.h"
#include "sync/protocol.h"

namespace posd::sync {

struct DownApplied {
  uint64_t applied_seq = 0;  // the cursor after the write: what to ack
  bool applied = false;      // this entry changed the store
  std::string quarantined;   // the reason, when it was quarantined
};

// A journal write that applies `entry`; `out` is filled on the writer thread
// before the write's completion runs.
Mutation apply_down(DownEntry entry, std::shared_ptr<DownApplied> out);

// Records a down-log message that could not even be decoded (no hq_seq) in
// down_quarantine, keeping the newest kUndecodableKept such rows. Nothing is
// journaled: only an entry with an hq_seq has a place in the record.
constexpr int kUndecodableKept = 100;
Mutation quarantine_message(std::string reason, std::string payload);

// The last `limit` quarantined entries, newest first: [{id, hq_seq (or null),
// kind, reason, at, body (cut at 512 bytes, "truncated": true)}].
Result<nlohmann::json> recent_quarantine(sql::Db& db, int64_t limit);

}  // namespace posd::sync
