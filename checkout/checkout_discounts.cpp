// Checkout's manual discounts (a line's, the basket's) and the reason codes
// the operations that need one are checked against.
#include <algorithm>

#include "base/json_fields.h"
#include "base/log.h"
#include "checkout/checkout.h"
#include "storage/store_tables.h"

namespace posd {

using json = nlohmann::json;

Result<std::vector<ReasonCode>> Checkout::reason_codes() {
  auto provisioned = hq_reason_codes::all(reader_);
  if (!provisioned) return provisioned.status();
  std::vector<ReasonCode> out = rules_.reason_codes;
  for (const hq_reason_codes::Row& row : *provisioned) {
    const auto use = reason_use_named(row.use);
    if (!use) continue;  // the down-log checks the use; a row of a later posd's use is not this one's
    const bool in_file = std::any_of(rules_.reason_codes.begin(), rules_.reason_codes.end(),
                                     [&](const ReasonCode& c) { return c.use == *use && c.code == row.code; });
    if (!in_file) out.push_back({*use, row.code, row.label});
  }
  return out;
}

RoleLimits Checkout::limits_of(const Caller& c) {
  RoleLimitSet set = rules_.limits_by_role;
  auto hq = store_settings::get(reader_, "hq_role_limits");
  if (hq && *hq) {
    try {
      read_role_limits(json::parse(**hq), "hq_role_limits", set);
    } catch (const std::exception& e) {  // checked when applied; a damaged row falls back to the file's
      log::get("checkout")->error("HQ's role limits cannot be read, the configuration's apply: {}", e.what());
      set = rules_.limits_by_role;
    } catch (const FieldError& e) {
      log::get("checkout")->error("HQ's role limits cannot be read, the configuration's apply: {}", e.message());
      set = rules_.limits_by_role;
    }
  }
  const Role r = acting_role(c);
  return r == Role::manager ? set.manager : r == Role::supervisor ? set.supervisor : set.cashier;
}

Outcome Checkout::role_may(const Caller& c, bool RoleLimits::*allowed, const std::string& what) {
  if (limits_of(c).*allowed) return Outcome::success(json::object());
  const Role r = acting_role(c);
  if (r == Role::cashier) return Outcome::error(Why::permission_denied, "supervisor_required", what + " needs a supervisor");
  return Outcome::error(Why::permission_denied, "role_not_allowed", what + " is not allowed for a " + std::string(to_string(r)) + " (role_limits)");
}

Outcome Checkout::reason_codes_answer() {
  auto codes = reason_codes();
  if (!codes) return Outcome::from(codes.status());
  return Outcome::success({{"reason_codes", reason_codes_json(*codes)}});
}

Outcome Checkout::need_reason(ReasonUse use, const std::optional<std::string>& given) {
  auto codes = reason_codes();
  if (!codes) return Outcome::from(codes.status());
  return check_reason(*codes, use, given);
}

Outcome Checkout::read_reason(const json& body, ReasonUse use, std::optional<std::string>& reason) {
  try {
    if (body.is_null()) return need_reason(use, std::nullopt);  // no body at all
    Fields f(body, "");
    reason = f.optional_string("reason");
    f.no_unknown_keys();
  } catch (const FieldError& e) {
    return Outcome::error(Why::invalid_argument, "invalid_request", e.message());
  }
  return need_reason(use, reason);
}

Outcome Checkout::read_discount(const Caller& c, const json& body, const std::string& path, GivenDiscount& out) {
  std::optional<std::string> reason;
  try {
    Fields f(body, path);
    const auto percent = f.optional_integer("percent_bp", 1, 10000);
    const auto amount = f.optional_integer("amount", 1, money::kMaxAmount);
    reason = f.optional_string("reason");
    f.no_unknown_keys();
    if (percent.has_value() == amount.has_value()) throw FieldError{f.child("percent_bp"), "give exactly one of percent_bp or amount"};
    out.value = {percent.value_or(0), amount.value_or(0)};
  } catch (const FieldError& e) {
    return Outcome::error(Why::invalid_argument, "invalid_request", e.message());
  }
  if (Outcome o = need_reason(ReasonUse::manual_discount, reason); !o.ok()) return o;
  out.reason = reason.value_or("");
  out.approved_by = c.approver;
  out.limit_bp = limits_of(c).max_discount_bp;
  return Outcome::success(json::object());
}

Outcome Checkout::set_discount(const Caller& c, const std::string& id, const json& body) {
  Outcome err;
  Basket* b = open_basket(c, id, err);
  if (!b) return err;
  if (!b->tenders.empty()) return Outcome::error(Why::conflict, "basket_has_tenders", "the basket cannot change once a tender is taken");
  if (b->lines.empty()) return Outcome::error(Why::conflict, "empty_basket", "the basket has no lines to discount");
  GivenDiscount given;
  if (Outcome o = read_discount(c, body, "", given); !o.ok()) return o;
  const GivenDiscount before = b->discount;
  b->discount = given;
  return changed(c, *b, [b, before] { b->discount = before; },
                 given.value.amount > 0 ? std::optional<size_t>(b->lines.size()) : std::nullopt);
}

Outcome Checkout::remove_discount(const Caller& c, const std::string& id) {
  Outcome err;
  Basket* b = open_basket(c, id, err);
  if (!b) return err;
  if (!b->tenders.empty()) return Outcome::error(Why::conflict, "basket_has_tenders", "the basket cannot change once a tender is taken");
  if (!b->discount.given()) return Outcome::error(Why::not_found, "no_discount", "the basket has no manual discount");
  const GivenDiscount before = b->discount;
  b->discount = {};
  return changed(c, *b, [b, before] { b->discount = before; });
}

}  // namespace posd
