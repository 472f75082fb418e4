// The tender rules as a table: each row a tender handed over against a due,
// and what the basket takes (applied, rounding) or why it refuses.
#include <catch2/catch.hpp>

#include "checkout/basket.h"
#include "checkout/tender.h"

using namespace posd;
using json = nlohmann::json;

namespace {

// A basket of one line costing `total` (no tax, no promotion).
Basket basket_of(money::Minor total, PricedBasket& priced) {
  Basket b;
  b.id = "b1";
  b.terminal = "lane-1";
  BasketLine line;
  line.input = LineInput{"SKU", Unit::each, 1, 0, total, "zero", 0, {}};
  line.name = "item";
  b.lines.push_back(line);
  priced = b.price({}, StoreRules{});
  return b;
}

}  // namespace

TEST_CASE("every tender type has one row of rules, found by its name", "[tender]") {
  for (TenderType t : {TenderType::cash, TenderType::card, TenderType::voucher}) {
    const TenderRules& r = rules_of(t);
    CHECK(r.type == t);
    CHECK(tender_named(r.name) == &r);
  }
  CHECK(tender_names() == "cash, card, voucher");
  CHECK(tender_named("cheque") == nullptr);
  CHECK(tender_named("Cash") == nullptr);
}

TEST_CASE("tenders against what is due, as a table", "[tender]") {
  struct Row {
    json body;
    money::Minor total;
    int64_t cash_rounding;
    std::string error;  // empty: taken
    money::Minor applied = 0;
    money::Minor rounding = 0;
  };
  const std::vector<Row> rows = {
      {{{"type", "cash"}, {"amount", 2000}}, 1234, 1, "", 1234, 0},            // change is given
      {{{"type", "cash"}, {"amount", 500}}, 1234, 1, "", 500, 0},              // part payment
      {{{"type", "cash"}, {"amount", 2000}}, 1232, 5, "", 1230, -2},           // rounds down to 0.05
      {{{"type", "cash"}, {"amount", 1235}}, 1233, 5, "", 1235, 2},            // rounds up
      {{{"type", "card"}, {"amount", 1234}, {"approval_ref", "A1"}, {"masked_pan", "************1111"}}, 1234, 5, "", 1234, 0},
      {{{"type", "card"}, {"amount", 1235}, {"approval_ref", "A1"}, {"masked_pan", "1111"}}, 1234, 1,
       "over_tender: a card tender may not exceed what is due (1234)"},
      {{{"type", "voucher"}, {"amount", 2000}, {"code", "V-1"}}, 1234, 1, "over_tender: a voucher tender may not exceed what is due (1234)"},
      {{{"type", "voucher"}, {"amount", 1000}, {"code", "V-1"}}, 1234, 1, "", 1000, 0},
      {{{"type", "voucher"}, {"amount", 1000}}, 1234, 1, "invalid_tender: code: is required"},
      {{{"type", "card"}, {"amount", 1}, {"approval_ref", "A1"}, {"masked_pan", "4111111111111111"}}, 1234, 1,
       "invalid_tender: masked_pan: must show at most the first 6 and last 4 digits, the rest masked with *"},
      {{{"type", "cheque"}, {"amount", 1}}, 1234, 1, "invalid_tender: type: must be one of cash, card, voucher"},
      {{{"type", "cash"}, {"amount", 1}, {"tip", 5}}, 1234, 1, "invalid_tender: tip: is not a known key"},
  };
  for (const Row& r : rows) {
    INFO(r.body.dump() << " against " << r.total);
    PricedBasket priced;
    Basket b = basket_of(r.total, priced);
    StoreRules rules;
    rules.cash_rounding = r.cash_rounding;
    Outcome o = add_tender(b, r.body, priced, rules);
    if (r.error.empty()) {
      REQUIRE(o.ok());
      REQUIRE(b.tenders.size() == 1);
      CHECK(b.tenders[0].applied == r.applied);
      CHECK(b.rounding == r.rounding);
    } else {
      REQUIRE_FALSE(o.ok());
      CHECK(o.code() + ": " + o.body["error"]["message"].get<std::string>() == r.error);
      CHECK(b.tenders.empty());
      CHECK(b.rounding == 0);
    }
  }
}
