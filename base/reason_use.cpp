#include "base/reason_use.h"

namespace posd {

const std::array<ReasonUse, 7>& reason_uses() {
  static constexpr std::array<ReasonUse, 7> kUses = {ReasonUse::price_override, ReasonUse::manual_discount,
                                                     ReasonUse::return_items,   ReasonUse::void_sale,
                                                     ReasonUse::paid_in,        ReasonUse::paid_out,
                                                     ReasonUse::no_sale};
  return kUses;
}

const char* to_string(ReasonUse u) {
  switch (u) {
    case ReasonUse::price_override: return "price_override";
    case ReasonUse::manual_discount: return "manual_discount";
    case ReasonUse::return_items: return "return";
    case ReasonUse::void_sale: return "void";
    case ReasonUse::paid_in: return "paid_in";
    case ReasonUse::paid_out: return "paid_out";
    case ReasonUse::no_sale: return "no_sale";
  }
  return "unknown";
}

std::optional<ReasonUse> reason_use_named(std::string_view name) {
  for (ReasonUse u : reason_uses()) {
    if (name == to_string(u)) return u;
  }
  return std::nullopt;
}

std::string reason_use_names() {
  std::string out;
  for (ReasonUse u : reason_uses()) out += (out.empty() ? "" : ", ") + std::string(to_string(u));
  return out;
}

bool valid_reason_code(std::string_view code) {
  if (code.empty() || code.size() > 32) return false;
  for (char ch : code) {
    const bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace posd
