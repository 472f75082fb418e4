// Reason codes: the store's lists of why an operator did something that
// needs one (a price override, a manual discount, a return, a void, paid in
// or out, opening the drawer with no sale), from the configuration file and
// from HQ (down-log kind reason_code). A use with codes needs one of them;
// a use with none needs none, and takes none. Pure: the lists come in.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/reason_use.h"
#include "checkout/outcome.h"

namespace posd {

struct ReasonCode {
  ReasonUse use = ReasonUse::return_items;
  std::string code;   // 1–32 of A–Z a–z 0–9 _ -
  std::string label;  // 1–64 bytes of text, what the lane shows
};

// Checks `given` for `use` against `codes`: ok, or 422 reason_required /
// reason_unknown naming the codes the use has.
Outcome check_reason(const std::vector<ReasonCode>& codes, ReasonUse use, const std::optional<std::string>& given);

// The lists as GET /v1/reason-codes answers them: {"<use>": [{code, label}]}
// for every use, in the order given.
nlohmann::json reason_codes_json(const std::vector<ReasonCode>& codes);

}  // namespace posd
