// The stock movement rules as a table: each type's name, what its value may
// be, and the change it makes to what is on hand.
#include <catch2/catch.hpp>

#include "checkout/stock_movement.h"

using namespace posd;

TEST_CASE("every movement type has its row, found by its name", "[stock]") {
  for (MovementType t : {MovementType::receive, MovementType::adjust, MovementType::count, MovementType::transfer_out,
                         MovementType::transfer_in}) {
    CHECK(movement_named(name_of(t)) == t);
  }
  CHECK(movement_names() == "receive, adjust, count, transfer_out, transfer_in");
  CHECK_FALSE(movement_named("shrink").has_value());
}

TEST_CASE("stock movements as a table: what each may be and what it changes", "[stock]") {
  struct Row {
    MovementType type;
    int64_t value;
    std::string reason;
    int64_t before;
    std::string error;  // empty: allowed, and then `delta`
    int64_t delta = 0;
  };
  const std::vector<Row> rows = {
      {MovementType::receive, 12, "", 5, "", 12},
      {MovementType::receive, 0, "", 5, "must be positive"},
      {MovementType::transfer_in, 3, "", 5, "", 3},
      {MovementType::transfer_out, 3, "", 5, "", -3},
      {MovementType::transfer_out, -3, "", 5, "must be positive"},
      {MovementType::adjust, -2, "broken", 5, "", -2},
      {MovementType::adjust, 0, "broken", 5, "an adjustment must not be 0"},
      {MovementType::adjust, 4, "", 5, "reason: an adjustment needs a reason"},
      {MovementType::count, 9, "", 5, "", 4},
      {MovementType::count, 0, "", 5, "", -5},
      {MovementType::count, -1, "", 5, "a count must not be negative"},
  };
  for (const Row& r : rows) {
    const StockMovement m{"SKU", r.type, r.value, r.reason};
    INFO(name_of(r.type) << " " << r.value);
    const auto bad = movement_error(m);
    if (r.error.empty()) {
      CHECK_FALSE(bad.has_value());
      CHECK(movement_delta(m, r.before) == r.delta);
    } else {
      REQUIRE(bad.has_value());
      CHECK((bad->about_reason ? "reason: " : "") + bad->why == r.error);
    }
  }
}
