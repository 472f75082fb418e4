#include "checkout/reasons.h"

namespace posd {

namespace {

// How a use reads in a message: "a return needs a reason".
const char* described(ReasonUse u) {
  switch (u) {
    case ReasonUse::price_override: return "a price override";
    case ReasonUse::manual_discount: return "a manual discount";
    case ReasonUse::return_items: return "a return";
    case ReasonUse::void_sale: return "a void";
    case ReasonUse::paid_in: return "a paid in";
    case ReasonUse::paid_out: return "a paid out";
    case ReasonUse::no_sale: return "opening the drawer with no sale";
  }
  return "this";
}

}  // namespace

Outcome check_reason(const std::vector<ReasonCode>& codes, ReasonUse use, const std::optional<std::string>& given) {
  std::string listed;
  bool found = false;
  for (const ReasonCode& c : codes) {
    if (c.use != use) continue;
    listed += (listed.empty() ? "" : ", ") + c.code;
    if (given && c.code == *given) found = true;
  }
  if (found || (listed.empty() && !given)) return Outcome::success(nlohmann::json::object());
  if (listed.empty()) {
    return Outcome::error(Why::refused, "reason_unknown",
                          std::string("reason: the store has no reason codes for ") + described(use) + ", so none is taken");
  }
  if (!given) {
    return Outcome::error(Why::refused, "reason_required",
                          std::string("reason: ") + described(use) + " needs a reason, one of " + listed);
  }
  // Only a code of the right form is echoed back (not free text from a lane).
  const std::string what = valid_reason_code(*given) ? "\"" + *given + "\"" : "the text given (no code's form)";
  return Outcome::error(Why::refused, "reason_unknown",
                        "reason: " + what + " is not a reason for " + std::string(described(use)) + "; the store's are " + listed);
}

nlohmann::json reason_codes_json(const std::vector<ReasonCode>& codes) {
  nlohmann::json out = nlohmann::json::object();
  for (ReasonUse u : reason_uses()) out[to_string(u)] = nlohmann::json::array();
  for (const ReasonCode& c : codes) out[to_string(c.use)].push_back({{"code", c.code}, {"label", c.label}});
  return out;
}

}  // namespace posd
