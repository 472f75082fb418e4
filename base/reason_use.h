// The uses of reason codes and the form of a code: the vocabulary the
// configuration, the down-log (HQ's codes) and the checkout share. Which
// operation needs one is checkout/reasons.h.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace posd {

enum class ReasonUse { price_override, manual_discount, return_items, void_sale, paid_in, paid_out, no_sale };

// Every use, in the order above.
const std::array<ReasonUse, 7>& reason_uses();
// "price_override", "manual_discount", "return", "void", "paid_in", "paid_out", "no_sale".
const char* to_string(ReasonUse u);
std::optional<ReasonUse> reason_use_named(std::string_view name);
std::string reason_use_names();  // "price_override, manual_discount, …" for messages

// True when `code` has the form of a reason code: 1–32 of A–Z a–z 0–9 _ -.
bool valid_reason_code(std::string_view code);

}  // namespace posd
