// Reason codes and the limits manual discounts are given under: tables of
// cases over the pure rules (checkout/reasons.h, checkout/basket.h).
#include <catch2/catch.hpp>

#include "checkout/basket.h"
#include "checkout/reasons.h"

using namespace posd;

TEST_CASE("a use with reason codes needs one of them, and a use with none takes none", "[reasons]") {
  const std::vector<ReasonCode> codes = {{ReasonUse::return_items, "DAMAGED", "Damaged"},
                                         {ReasonUse::return_items, "WRONG_SIZE", "Wrong size"},
                                         {ReasonUse::void_sale, "MISTAKE", "Cashier's mistake"}};
  struct Row {
    ReasonUse use;
    std::optional<std::string> given;
    std::string code;  // "" for ok
    std::string message_holds;
  };
  const std::vector<Row> rows = {
      {ReasonUse::return_items, "DAMAGED", "", ""},
      {ReasonUse::return_items, "WRONG_SIZE", "", ""},
      {ReasonUse::return_items, std::nullopt, "reason_required", "a return needs a reason, one of DAMAGED, WRONG_SIZE"},
      {ReasonUse::return_items, "MISTAKE", "reason_unknown", "\"MISTAKE\" is not a reason for a return"},
      {ReasonUse::return_items, "damaged", "reason_unknown", "DAMAGED, WRONG_SIZE"},  // codes are exact
      {ReasonUse::return_items, "no such thing!", "reason_unknown", "the text given (no code's form)"},
      {ReasonUse::void_sale, "MISTAKE", "", ""},
      {ReasonUse::no_sale, std::nullopt, "", ""},
      {ReasonUse::no_sale, "MISTAKE", "reason_unknown", "no reason codes for opening the drawer with no sale"},
  };
  for (const Row& r : rows) {
    INFO(to_string(r.use) << " given " << r.given.value_or("(none)"));
    Outcome o = check_reason(codes, r.use, r.given);
    CHECK(o.code() == r.code);
    if (!r.code.empty()) {
      CHECK(o.why == Why::refused);
      CHECK_THAT(o.body["error"]["message"].get<std::string>(), Catch::Contains(r.message_holds));
    }
  }
}

TEST_CASE("reason uses have one name each, both ways", "[reasons]") {
  for (ReasonUse u : reason_uses()) CHECK(reason_use_named(to_string(u)) == u);
  CHECK(!reason_use_named("refund"));
  CHECK(reason_use_names() == "price_override, manual_discount, return, void, paid_in, paid_out, no_sale");
  CHECK(valid_reason_code("DAMAGED-2_x"));
  CHECK(!valid_reason_code(""));
  CHECK(!valid_reason_code(std::string(33, 'A')));
  CHECK(!valid_reason_code("ÉTÉ"));
  CHECK(!valid_reason_code("A B"));
}

namespace {

Basket pens(int64_t qty) {
  Basket b;
  BasketLine l;
  l.input = LineInput{"PEN", Unit::each, qty, 0, 200, "standard", 2000, {}};
  b.lines = {l};
  return b;
}

}  // namespace

TEST_CASE("a manual discount stays within the limit it was given under, whatever changes after", "[reasons][discounts]") {
  const StoreRules rules;
  SECTION("a cashier's 10 %: within, and 1 cent over") {
    Basket b = pens(10);  // 2000
    b.lines[0].discount = GivenDiscount{{0, 200}, "", "", rules.limits_by_role.cashier.max_discount_bp};
    CHECK(check_discount_limits(b, b.price({}, rules)).ok());
    b.lines[0].discount.value.amount = 201;
    Outcome o = check_discount_limits(b, b.price({}, rules));
    CHECK(o.code() == "discount_over_limit");
    CHECK(o.why == Why::permission_denied);
    CHECK_THAT(o.body["error"]["message"].get<std::string>(), Catch::Contains("line 1's manual discount") && Catch::Contains("10 %"));
  }
  SECTION("an amount within the limit for ten pens is over it when the line drops to two") {
    Basket b = pens(10);
    b.lines[0].discount = GivenDiscount{{0, 150}, "", "", 1000};
    CHECK(check_discount_limits(b, b.price({}, rules)).ok());
    b.lines[0].input.qty = 2;  // 150 of 400
    CHECK(check_discount_limits(b, b.price({}, rules)).code() == "discount_over_limit");
  }
  SECTION("a percentage is judged as given, not as rounded: 10 % of 1.99 takes 0.20") {
    Basket b = pens(1);
    b.lines[0].input.unit_price = 199;
    b.lines[0].discount = GivenDiscount{{1000, 0}, "", "", 1000};
    const PricedBasket priced = b.price({}, rules);
    CHECK(priced.lines[0].manual == 20);
    CHECK(check_discount_limits(b, priced).ok());
    b.lines[0].discount.value.percent_bp = 1001;
    CHECK(check_discount_limits(b, b.price({}, rules)).code() == "discount_over_limit");
  }
  SECTION("the basket's: 12.5 % allowed, 12.51 % not") {
    Basket b = pens(10);
    b.discount = GivenDiscount{{1250, 0}, "", "", 1250};
    CHECK(check_discount_limits(b, b.price({}, rules)).ok());
    b.discount.value = {0, 251};
    Outcome o = check_discount_limits(b, b.price({}, rules));
    CHECK(o.code() == "discount_over_limit");
    CHECK_THAT(o.body["error"]["message"].get<std::string>(), Catch::Contains("the basket's") && Catch::Contains("12.5 %"));
  }
  SECTION("a line's discount and its share of the basket's together stay within the larger limit: 10 % and 10 % are not 19 %") {
    Basket b = pens(10);  // 2000
    b.lines[0].discount = GivenDiscount{{1000, 0}, "", "", 1000};
    b.discount = GivenDiscount{{1000, 0}, "", "", 1000};
    Outcome o = check_discount_limits(b, b.price({}, rules));
    CHECK(o.code() == "discount_over_limit");
    CHECK_THAT(o.body["error"]["message"].get<std::string>(), Catch::Contains("line 1's manual discounts together"));
    b.discount.limit_bp = 5000;  // the basket's approved by a supervisor up to 50 %
    CHECK(check_discount_limits(b, b.price({}, rules)).ok());
  }
  SECTION("an amount larger than what it comes off is refused, not cut") {
    Basket b = pens(1);
    b.lines[0].discount = GivenDiscount{{0, 201}, "", "", 10000};
    Outcome o = amount_fits(b, b.price({}, rules), 0);
    CHECK(o.code() == "discount_too_large");
    CHECK_THAT(o.body["error"]["message"].get<std::string>(), Catch::Contains("201 is more than the 200 line 1 costs"));
    b.lines[0].discount.value.amount = 200;
    CHECK(amount_fits(b, b.price({}, rules), 0).ok());
  }
}
