#include <catch2/catch.hpp>

#include "checkout/money.h"

using namespace posd::money;

TEST_CASE("mul_div_round rounds halves away from zero", "[money]") {
  struct Row { Minor a; int64_t b, d; Minor want; };
  for (Row r : {Row{5, 1, 2, 3}, Row{4, 1, 2, 2}, Row{-5, 1, 2, -3}, Row{199, 1250, 1000, 249},  // 248.75
                Row{1000, 2000, 12000, 167}, Row{1200, 2000, 12000, 200}, Row{15, 1, 10, 2},
                Row{14, 1, 10, 1}, Row{0, 7, 3, 0},
                Row{INT64_MAX / 2, 2, 2, INT64_MAX / 2}}) {  // no overflow in the product
    INFO(r.a << " * " << r.b << " / " << r.d);
    CHECK(mul_div_round(r.a, r.b, r.d) == r.want);
  }
}

TEST_CASE("cash rounding to a step", "[money]") {
  struct Row { Minor amount, step, want; };
  for (Row r : {Row{102, 5, 100}, Row{103, 5, 105}, Row{1025, 10, 1030}, Row{1024, 10, 1020},
                Row{999, 1, 999}, Row{-103, 5, -105}}) {
    INFO(r.amount << " to " << r.step);
    CHECK(round_to_step(r.amount, r.step) == r.want);
  }
}

TEST_CASE("allocate splits exactly, largest remainder first", "[money]") {
  CHECK(allocate(100, {1, 1, 1}) == std::vector<Minor>{34, 33, 33});
  CHECK(allocate(500, {1000, 3000}) == std::vector<Minor>{125, 375});
  CHECK(allocate(10, {3, 3, 4}) == std::vector<Minor>{3, 3, 4});
  CHECK(allocate(1, {5, 7}) == std::vector<Minor>{0, 1});
  CHECK(allocate(7, {0, 0}) == std::vector<Minor>{7, 0});
  CHECK(allocate(0, {2, 3}) == std::vector<Minor>{0, 0});
}
