// HQ's live feed (GET /v1/feed, docs/hq-operations.md "The feed"): what
// changed at HQ — a store's stock, its sales, what became of a down-log
// entry or a click-and-collect order, a rejected batch, its link going up
// or down — as rows with an id that only grows, in the order they were
// committed, written in the same transaction as the change itself. A
// consumer that remembers the last id it saw misses nothing and sees
// nothing twice. Each row is one JSON object: {"id", "type", "store_id",
// "at", …} (the types in docs/hq-openapi.yaml).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hq/mirror.h"

namespace posd::hq {

struct FeedRow {
  uint64_t id = 0;
  std::string at;    // UTC, RFC 3339: when HQ wrote it
  std::string body;  // a JSON object without its id
};

// The ids the feed keeps (first..last; 0, 0 when it keeps none) and the
// highest id it ever gave (rows dropped, or given to a transaction that
// rolled back, leave it above `last`).
struct FeedBounds {
  uint64_t first = 0, last = 0, given = 0;
  bool operator==(const FeedBounds&) const = default;
};

// What one pass over a store's batch puts on the feed. Stock rows are read
// from the mirror as the backend writes them (on_hand after the pass, and
// as_of_seq what HQ then holds); the other items are complete.
struct FeedDraft {
  std::string store_id;
  std::string at;
  std::vector<std::string> skus;
  std::vector<std::string> items;
};

// The draft of a pass that stored events up to `as_of_seq` (its mirror
// delta), or refused the batch for `rejected` (non-empty), at `at`.
FeedDraft feed_draft(const std::string& store_id, const std::string& at, uint64_t as_of_seq, const MirrorDelta& d,
                     const std::string& rejected);
// A store's link as the serving loop saw it change: online or not, and the
// journal head it announced.
std::string link_item(const std::string& store_id, const std::string& at, bool online, uint64_t announced);
// {"id": id, …body}: the row as a consumer gets it.
std::string feed_message(const FeedRow& row);

}  // namespace posd::hq
