#include "checkout/stock_movement.h"

namespace posd {

namespace {

enum class Value { positive, non_zero, not_negative };

struct MovementRules {
  MovementType type;
  std::string_view name;
  int sign;          // +1 in, -1 out, 0: the value is the new on-hand figure
  Value value;       // what the value may be
  bool needs_reason;
};

//  type                        name            sign value                 reason
constexpr MovementRules kMovements[] = {
    {MovementType::receive, "receive", 1, Value::positive, false},
    {MovementType::adjust, "adjust", 1, Value::non_zero, true},
    {MovementType::count, "count", 0, Value::not_negative, false},
    {MovementType::transfer_out, "transfer_out", -1, Value::positive, false},
    {MovementType::transfer_in, "transfer_in", 1, Value::positive, false},
};

const MovementRules& rules(MovementType t) {
  for (const MovementRules& r : kMovements) {
    if (r.type == t) return r;
  }
  return kMovements[0];  // unreachable: every type has its row (stock_movement_test checks)
}

}  // namespace

std::optional<MovementType> movement_named(std::string_view name) {
  for (const MovementRules& r : kMovements) {
    if (r.name == name) return r.type;
  }
  return std::nullopt;
}

std::string_view name_of(MovementType type) { return rules(type).name; }

std::string movement_names() {
  std::string out;
  for (const MovementRules& r : kMovements) out += (out.empty() ? "" : ", ") + std::string(r.name);
  return out;
}

std::optional<MovementError> movement_error(const StockMovement& m) {
  const MovementRules& r = rules(m.type);
  switch (r.value) {
    case Value::non_zero:
      if (m.value == 0) return MovementError{false, "an adjustment must not be 0"};
      break;
    case Value::not_negative:
      if (m.value < 0) return MovementError{false, "a count must not be negative"};
      break;
    case Value::positive:
      if (m.value <= 0) return MovementError{false, "must be positive"};
      break;
  }
  if (r.needs_reason && m.reason.empty()) return MovementError{true, "an adjustment needs a reason"};
  return std::nullopt;
}

int64_t movement_delta(const StockMovement& m, int64_t on_hand_before) {
  const MovementRules& r = rules(m.type);
  return r.sign == 0 ? m.value - on_hand_before : r.sign * m.value;
}

}  // namespace posd
