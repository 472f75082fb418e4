// Money is an integer count of the store currency's minor units (cents).
// These are the only rounding rules posd uses; each is half-up (half away
// from zero for negative amounts), exact for any int64 inputs that fit.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace posd::money {

using Minor = int64_t;

// The one limit on amounts (docs/catalog.md, "Limits"): a line's amount, a
// basket's total and one tender are each at most this many minor units
// (1,000,000,000.00 in a currency of two decimals). Anything above is refused
// with a precise error, never wrapped.
constexpr Minor kMaxAmount = 100'000'000'000;

// Checked arithmetic: nullopt when the result does not fit in 64 bits.
std::optional<Minor> add(Minor a, Minor b);
std::optional<Minor> mul(Minor a, int64_t b);

// a × b / d rounded half away from zero. d must be > 0.
Minor mul_div_round(Minor a, int64_t b, int64_t d);

// `amount` rounded to the nearest multiple of `step` (> 0), halves away from zero:
// cash rounding (step 5: 1.02 → 1.00, 1.03 → 1.05).
Minor round_to_step(Minor amount, Minor step);

// Splits `total` (≥ 0) into parts proportional to `weights` (≥ 0) that add up
// to exactly `total`: largest remainder, ties to the earlier index. All
// weights 0: everything to the first part.
std::vector<Minor> allocate(Minor total, const std::vector<Minor>& weights);

}  // namespace posd::money
