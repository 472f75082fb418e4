// A basket kept in the basket store (checkout/basket_state.h) comes back as
// it was: lines by unit and by weight, a price override with its approver,
// tenders with their references, removed lines, state and version; a kept
// state that is not one is refused, naming the field.
#include <catch2/catch.hpp>

#include "base/json_fields.h"
#include "checkout/basket_state.h"

using namespace posd;
using json = nlohmann::json;

namespace {

Basket sample() {
  Basket b;
  b.id = "0a1b2c3d4e5f6071";
  b.terminal = "lane-2";
  b.state = Basket::State::suspended;
  b.version = 7;
  b.rounding = -2;
  BasketLine bread;
  bread.input = LineInput{"BREAD", Unit::each, 3, 0, 249, "food", 550, {}};
  bread.name = "Baguette";
  BasketLine apples;
  apples.input = LineInput{"APPLE", Unit::kg, 0, 1250, 399, "food", 550, {}};
  apples.name = "Apples";
  apples.catalog_price = 449;
  apples.approved_by = "sup-1";
  apples.reason = "PRICE_MATCH";
  apples.discount = GivenDiscount{{0, 50}, "DAMAGED", "", 1000};
  BasketLine wine;
  wine.input = LineInput{"WINE-RED", Unit::each, 1, 0, 899, "standard", 2000, {}};
  wine.name = "Red wine";
  wine.age_restricted = true;
  b.lines = {bread, apples, wine};
  b.tenders = {Tender{TenderType::card, 500, 500, "AUTH-1", "************4242"},
               Tender{TenderType::cash, 1000, 700, "", ""}};
  b.removed = {json{{"sku", "PEN-BLUE"}, {"name", "Pen"}, {"unit_price", 199}, {"qty", 2}}};
  b.discount = GivenDiscount{{500, 0}, "STAFF", "sup-1", 10000};
  Exchange x;
  x.receipt_no = 41;
  x.asked = {ReturnAsked{2, 1, std::nullopt}, ReturnAsked{3, std::nullopt, 500}};
  x.lines = {ReturnLine{2, "PEN-BLUE", false, 1, 133, 22, "standard", 2000}, ReturnLine{3, "APPLE", true, 500, 175, 9, "food", 550}};
  x.reason = "CHANGED_MIND";
  b.exchange = x;
  return b;
}

}  // namespace

TEST_CASE("a kept basket comes back as it was", "[baskets]") {
  const Basket b = sample();
  const json state = basket_state(b);
  auto back = basket_from_state(json::parse(state.dump()));
  REQUIRE(back);
  CHECK(basket_state(*back) == state);
  CHECK(back->state == Basket::State::suspended);
  REQUIRE(back->lines.size() == 3);
  CHECK(back->lines[1].input.unit == Unit::kg);
  CHECK(back->lines[1].input.weight_g == 1250);
  CHECK(back->lines[1].catalog_price == 449);
  CHECK(back->lines[1].approved_by == "sup-1");
  CHECK(back->lines[1].reason == "PRICE_MATCH");
  CHECK(back->lines[1].discount.value.amount == 50);
  CHECK(back->lines[1].discount.limit_bp == 1000);
  CHECK(back->discount.value.percent_bp == 500);
  CHECK(back->discount.approved_by == "sup-1");
  CHECK(!back->lines[0].discount.given());
  REQUIRE(back->exchange);
  CHECK(back->exchange->receipt_no == 41);
  CHECK(back->exchange->asked[1].weight_g == 500);
  CHECK(back->exchange->lines[1].weighed);
  CHECK(back->credit() == 133 + 175);
  CHECK(back->exchange->reason == "CHANGED_MIND");
  CHECK(back->lines[2].age_restricted);
  REQUIRE(back->tenders.size() == 2);
  CHECK(back->tenders[0].type == TenderType::card);
  CHECK(back->tenders[0].reference == "AUTH-1");
  CHECK(back->paid() == 1200);
  CHECK(back->change() == 300);
  CHECK(back->removed.size() == 1);
}

TEST_CASE("a basket being completed is kept as open", "[baskets]") {
  Basket b = sample();
  b.state = Basket::State::completing;
  auto back = basket_from_state(basket_state(b));
  REQUIRE(back);
  CHECK(back->state == Basket::State::open);
}

TEST_CASE("a kept state that is not one is refused, naming the field", "[baskets]") {
  const json good = basket_state(sample());
  struct Case {
    const char* what;
    json state;
    const char* names;
  };
  auto with = [&](const json::json_pointer& at, const json& v) {
    json j = good;
    j[at] = v;
    return j;
  };
  json missing = good;
  missing.erase("terminal");
  json extra = good;
  extra["lines"][0]["discount"] = 5;
  const std::vector<Case> cases = {
      {"not an object", json::array(), ""},
      {"no terminal", missing, "terminal"},
      {"a state of none", with("/state"_json_pointer, "completing"), "state"},
      {"a unit of none", with("/lines/1/unit"_json_pointer, "litre"), "lines[1].unit"},
      {"a negative price", with("/lines/0/unit_price"_json_pointer, -1), "lines[0].unit_price"},
      {"a tender of no type", with("/tenders/0/type"_json_pointer, "cheque"), "tenders[0].type"},
      {"a fractional amount", with("/tenders/1/amount"_json_pointer, 10.5), "tenders[1].amount"},
      {"a key it does not know", extra, "lines[0].discount"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    auto back = basket_from_state(c.state);
    REQUIRE(!back);
    CHECK(back.status().code() == Status::Code::invalid_argument);
    CHECK_THAT(back.status().message(), Catch::Contains(c.names));
  }
}

TEST_CASE("a basket's answer and its kept state are written in canonical form, with what they must show", "[baskets]") {
  // The answer and the kept state are written in one pass, not dumped from a
  // document: each must be the very text to_json_text gives for what it
  // parses to (keys in order, nlohmann's escapes), whatever the names hold.
  for (const std::string& name : {std::string("Baguette"), std::string("Brötchen \"groß\"\n\\ \x01"), std::string("bad \xff utf-8")}) {
    INFO(name);
    Basket b = sample();
    b.state = Basket::State::open;
    b.lines[0].name = name;
    b.lines[2].discount = GivenDiscount{{1000, 0}, "", "", 1000};  // a percentage, with no reason and no approver
    const StoreRules rules;
    const PricedBasket priced = b.price({}, rules);
    REQUIRE(priced.limit_error.empty());

    const std::string answer = b.answer_text(priced, rules);
    const json a = json::parse(answer);
    CHECK(to_json_text(a) == answer);
    CHECK(a["lines"][0]["qty"] == 3);
    CHECK(!a["lines"][0].contains("weight_g"));
    if (valid_utf8(name)) CHECK(a["lines"][0]["name"] == name);
    else CHECK(a["lines"][0]["name"] == "bad \xEF\xBF\xBD utf-8");  // U+FFFD, as to_json_text has it
    CHECK(a["lines"][1]["weight_g"] == 1250);
    CHECK(!a["lines"][1].contains("qty"));
    CHECK(a["lines"][1]["price_override"] == json{{"approved_by", "sup-1"}, {"catalog_price", 449}, {"reason", "PRICE_MATCH"}});
    CHECK(a["lines"][1]["manual_discount"]["amount"] == 50);
    CHECK(a["lines"][1]["manual_discount"]["reason"] == "DAMAGED");
    CHECK(!a["lines"][1]["manual_discount"].contains("approved_by"));
    CHECK(a["lines"][2]["age_restricted"] == true);
    CHECK(a["lines"][2]["manual_discount"]["percent_bp"] == 1000);
    CHECK(a["lines"][2]["manual_discount"]["off"] == priced.lines[2].manual);
    CHECK(a["lines"][2]["line"] == 3);
    CHECK(a["tenders"][0] == json{{"type", "card"}, {"amount", 500}, {"applied", 500}, {"approval_ref", "AUTH-1"},
                                  {"masked_pan", "************4242"}});
    CHECK(a["manual_discount"]["percent_bp"] == 500);
    CHECK(a["manual_discount"]["approved_by"] == "sup-1");
    CHECK(a["manual_discount_total"] == priced.manual);
    CHECK(a["total"] == priced.total);
    CHECK(a["paid"] == 1200);
    CHECK(a["change"] == 300);
    CHECK(a["due"] == b.due(priced));
    CHECK(a["returned"]["receipt_no"] == 41);
    CHECK(a["returned"]["credit"] == 133 + 175);
    CHECK(a["refund_due"] == b.credit() - b.credit_applied(priced));
    CHECK(a["removed_lines"] == json::array({b.removed[0]}));
    CHECK(a["state"] == "open");
    CHECK(a["version"] == 7);
    CHECK(a["currency"] == "EUR");
    CHECK(a["tax"].size() == priced.tax.size());

    // What must be absent: a percentage's amount, an empty reason or
    // approver, age_restricted on a line that is not, a share of no basket
    // discount, the terminal (the answer's caller knows it).
    CHECK(!a["lines"][2]["manual_discount"].contains("amount"));
    CHECK(!a["lines"][2]["manual_discount"].contains("reason"));
    CHECK(!a["lines"][2]["manual_discount"].contains("approved_by"));
    CHECK(!a["lines"][0].contains("age_restricted"));
    CHECK(!a["lines"][0].contains("manual_discount"));
    CHECK(!a["lines"][0].contains("price_override"));
    CHECK(!a.contains("terminal"));
    for (size_t i = 0; i < b.lines.size(); ++i) CHECK(a["lines"][i].contains("basket_manual") == (priced.lines[i].basket_manual > 0));

    const std::string kept = basket_state_text(b);
    const json k = json::parse(kept);
    CHECK(to_json_text(k) == kept);
    auto back = basket_from_state(k);
    REQUIRE(back);
    CHECK(basket_state_text(*back) == kept);
    CHECK(back->answer_text(priced, rules) == answer);
  }
}

TEST_CASE("a plain basket's answer has no exchange, no removed lines and no manual discount, and a tender's record holds its kept state", "[baskets]") {
  Basket b;
  b.id = "b1";
  b.terminal = "lane-1";
  BasketLine bread;
  bread.input = LineInput{"BREAD", Unit::each, 2, 0, 249, "food", 550, {}};
  bread.name = "Baguette";
  b.lines = {bread};
  b.tenders = {Tender{TenderType::cash, 1000, 498, "", ""}};
  b.version = 3;
  const StoreRules rules;
  const PricedBasket priced = b.price({}, rules);
  const json a = json::parse(b.answer_text(priced, rules));
  for (const char* absent : {"returned", "refund_due", "removed_lines", "manual_discount", "manual_discount_total", "terminal"}) {
    INFO(absent);
    CHECK(!a.contains(absent));
  }
  CHECK(a["tenders"] == json::array({json{{"type", "cash"}, {"amount", 1000}, {"applied", 498}}}));
  CHECK(a["change"] == 502);
  CHECK(a["state"] == "open");

  // The record a tender keeps with the journal: the answer, the terminal,
  // and the kept state in place of the state's name; canonical too.
  const std::string kept = basket_state_text(b);
  const std::string record = b.tender_record_text(priced, rules, kept);
  const json r = json::parse(record);
  CHECK(to_json_text(r) == record);
  CHECK(r["terminal"] == "lane-1");
  CHECK(r["state"] == json::parse(kept));
  json rest = r;
  rest.erase("terminal");
  rest["state"] = "open";
  CHECK(rest == a);
  auto back = basket_from_state(r["state"]);
  REQUIRE(back);
  CHECK(basket_state_text(*back) == kept);
}
