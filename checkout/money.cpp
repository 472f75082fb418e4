#include "checkout/money.h"

#include <algorithm>
#include <numeric>

namespace posd::money {

std::optional<Minor> add(Minor a, Minor b) {
  Minor r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<Minor> mul(Minor a, int64_t b) {
  Minor r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

Minor mul_div_round(Minor a, int64_t b, int64_t d) {
  __int128 n = static_cast<__int128>(a) * b;
  const bool negative = n < 0;
  if (negative) n = -n;
  __int128 q = (n + d / 2) / d;  // half-up on the magnitude
  return static_cast<Minor>(negative ? -q : q);
}

Minor round_to_step(Minor amount, Minor step) {
  return mul_div_round(amount, 1, step) * step;
}

std::vector<Minor> allocate(Minor total, const std::vector<Minor>& weights) {
  std::vector<Minor> parts(weights.size(), 0);
  if (weights.empty()) return parts;
  const __int128 sum = std::accumulate(weights.begin(), weights.end(), __int128{0});
  if (sum == 0) {
    parts[0] = total;
    return parts;
  }
  std::vector<std::pair<__int128, size_t>> remainders;
  Minor given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    __int128 n = static_cast<__int128>(total) * weights[i];
    parts[i] = static_cast<Minor>(n / sum);
    given += parts[i];
    remainders.emplace_back(n % sum, i);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& x, const auto& y) { return x.first > y.first; });
  for (size_t k = 0; given < total; ++k, ++given) ++parts[remainders[k % remainders.size()].second];
  return parts;
}

}  // namespace posd::money
