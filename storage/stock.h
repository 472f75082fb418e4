// On-hand stock per SKU and the movements that changed it. Every change is
// recorded with the journal seq of the event that caused it, so that an HQ
// snapshot "on_hand as of store seq S" can be rebased on the deltas after S.
// Run these inside a write transaction (a Journal mutation).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/sqlite.h"

namespace posd::stock {

struct Moved {
  int64_t before = 0;
  int64_t after = 0;
};

// Adds `delta` (units, or grams for weighed items; may be negative) to `sku`.
Result<Moved> move(sql::Db& db, const std::string& sku, int64_t delta, uint64_t seq, std::string_view kind);
// Sets `sku` to `value` (a count); the movement recorded is the difference.
Result<Moved> count(sql::Db& db, const std::string& sku, int64_t value, uint64_t seq);
// 0 for a SKU never moved.
Result<int64_t> on_hand(sql::Db& db, const std::string& sku);

struct Low {
  std::string sku, name, unit;
  int64_t on_hand = 0, low_stock = 0;
};
// The items whose on-hand is below their low_stock threshold (those with a
// threshold only), lowest first relative to it; at most `limit`.
Result<std::vector<Low>> below_threshold(sql::Db& db, int64_t limit);

}  // namespace posd::stock
