// What each role may do alone — the configuration file's `role_limits`, and
// HQ's (down-log kind role_limits) over them — and reading them from JSON:
// the vocabulary the configuration, the down-log and the checkout share.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace posd {

struct RoleLimits {
  int64_t max_discount_bp = 0;             // a manual discount's largest share of what it is taken from
  int64_t max_refund_without_receipt = 0;  // minor units
  bool no_sale = false;                    // may open the drawer with no sale
  bool close_day = false;                  // may take the Z and close months and years
};

// The three roles' limits.
struct RoleLimitSet {
  RoleLimits cashier{1000, 0, false, false};
  RoleLimits supervisor{10000, 100'000'000'000, true, true};
  RoleLimits manager{10000, 100'000'000'000, true, true};
};

// Reads {"cashier": {…}, "supervisor": {…}, "manager": {…}} over `into`:
// each role and each key optional. Throws FieldError naming the key
// (`path` is where `j` sits: "role_limits", "body").
void read_role_limits(const nlohmann::json& j, const std::string& path, RoleLimitSet& into);

}  // namespace posd
