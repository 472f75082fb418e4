// A stock movement that is not a sale or a return: goods received, an
// adjustment, a count, a transfer. Each type's rules are one row of a table
// (stock_movement.cpp): its name, what its value means and what it may be.
// Pure: the stock on hand comes in, the change goes out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace posd {

enum class MovementType { receive, adjust, count, transfer_out, transfer_in };

struct StockMovement {
  std::string sku;
  MovementType type = MovementType::receive;
  int64_t value = 0;   // units, or grams; a count's is the figure counted
  std::string reason;  // needed for an adjustment
};

// The type a name gives ("transfer_out"); nullopt for none.
std::optional<MovementType> movement_named(std::string_view name);
std::string_view name_of(MovementType type);
// "receive, adjust, count, transfer_out, transfer_in": for error messages.
std::string movement_names();
// Why a movement breaks its type's rules: its value ("must be positive") or
// its missing reason.
struct MovementError {
  bool about_reason = false;
  std::string why;
};
std::optional<MovementError> movement_error(const StockMovement& m);
// The change to on hand: the value, its negative (out), or the difference to a count.
int64_t movement_delta(const StockMovement& m, int64_t on_hand_before);

}  // namespace posd
