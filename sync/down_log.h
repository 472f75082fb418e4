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
#include <set>

#include "storage/catalog.h"
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

// A catalog_upsert's body parsed before its write, on the thread that decoded
// it, so that the journal's writer (which also commits the lanes' sales) only
// writes it: the items and promotions, and the tax classes and SKUs they name
// that the body itself does not hold, which the write checks against the
// store. A body that does not parse, or a name the store lacks, is parsed
// again in the write as without it: the same outcome and the same reason.
struct CatalogReadAhead {
  Result<Catalog> catalog = Status::unavailable("not read");
  std::set<std::string, std::less<>> tax_classes, skus;
};
// Reads `entry` ahead when its kind is read ahead (catalog_upsert); any other
// entry is left as it is, and so is one this fails on (the write parses it).
void read_ahead(DownEntry& entry) noexcept;

// Records a down-log message that could not even be decoded (no hq_seq) in
// down_quarantine, keeping the newest kUndecodableKept such rows. Nothing is
// journaled: only an entry with an hq_seq has a place in the record.
constexpr int kUndecodableKept = 100;
Mutation quarantine_message(std::string reason, std::string payload);

// The last `limit` quarantined entries, newest first: [{id, hq_seq (or null),
// kind, reason, at, body (cut at 512 bytes, "truncated": true)}].
Result<nlohmann::json> recent_quarantine(sql::Db& db, int64_t limit);

}  // namespace posd::sync
