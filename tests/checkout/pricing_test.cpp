// The money rules as tables: each row a basket, its promotions and what the
// customer pays. docs/catalog.md states the rules these rows check.
#include <catch2/catch.hpp>

#include "checkout/pricing.h"

using namespace posd;

namespace {

LineInput each(const std::string& sku, int64_t qty, money::Minor price, int64_t rate = 2000,
               const std::string& tax = "standard") {
  return {sku, Unit::each, qty, 0, price, tax, rate, {}};
}
LineInput kg(const std::string& sku, int64_t grams, money::Minor per_kg, int64_t rate = 550,
             const std::string& tax = "reduced") {
  return {sku, Unit::kg, 0, grams, per_kg, tax, rate, {}};
}
Promotion multibuy(const std::string& id, std::vector<std::string> skus, int64_t buy, int64_t pay) {
  Promotion p{id, PromoType::multibuy, std::move(skus)};
  p.buy = buy;
  p.pay = pay;
  return p;
}
Promotion multiprice(const std::string& id, std::vector<std::string> skus, int64_t qty, money::Minor price) {
  Promotion p{id, PromoType::multibuy_price, std::move(skus)};
  p.qty = qty;
  p.price = price;
  return p;
}
Promotion percent(const std::string& id, std::vector<std::string> skus, int64_t bp) {
  Promotion p{id, PromoType::percent_off, std::move(skus)};
  p.percent_bp = bp;
  return p;
}
Promotion fixed(const std::string& id, std::vector<std::string> skus, money::Minor price) {
  Promotion p{id, PromoType::fixed_price, std::move(skus)};
  p.price = price;
  return p;
}
Promotion threshold(const std::string& id, money::Minor min_total, money::Minor discount) {
  Promotion p{id, PromoType::basket_threshold, {}};
  p.min_total = min_total;
  p.discount = discount;
  return p;
}

struct Row {
  const char* name;
  std::vector<LineInput> lines;
  std::vector<Promotion> promos;
  bool inclusive;
  money::Minor total;
  money::Minor discount;
  std::vector<money::Minor> line_discounts;
  std::vector<money::Minor> taxes;  // per tax class, first-seen order
};

}  // namespace

TEST_CASE("baskets price to the cent", "[pricing]") {
  const std::vector<Row> rows = {
      {"two pens, 20 % VAT inside", {each("PEN", 2, 199)}, {}, true, 398, 0, {0}, {66}},
      {"weighed apples round half-up", {kg("APPLE", 1234, 349)}, {}, true, 431, 0, {0}, {22}},
      {"weighed at exactly .5", {kg("CHEESE", 1004, 125)}, {}, true, 126, 0, {0}, {7}},
      {"buy 3 pay 2 over 7 pens", {each("PEN", 7, 199)}, {multibuy("P1", {"PEN"}, 3, 2)}, true, 995, 398, {398}, {166}},
      {"mixed multibuy set: the cheapest is free, spread over the group by price",
       {each("A", 1, 500), each("B", 1, 300), each("C", 1, 100)},
       {multibuy("P1", {"A", "B", "C"}, 3, 2)}, true, 800, 100, {56, 33, 11}, {133}},
      {"2 for 5.00 on 3.00 items", {each("X", 3, 300)}, {multiprice("P2", {"X"}, 2, 500)}, true, 800, 100, {100}, {133}},
      {"2 for 5.00 is no offer on 2.00 items", {each("X", 2, 200)}, {multiprice("P2", {"X"}, 2, 500)}, true, 400, 0, {0}, {67}},
      {"10 % off rounds per line", {each("Y", 3, 99)}, {percent("P3", {"Y"}, 1000)}, true, 267, 30, {30}, {45}},
      {"fixed price on two items", {each("Z", 2, 150)}, {fixed("P4", {"Z"}, 99)}, true, 198, 102, {102}, {33}},
      {"fixed price per kg on a weighed line", {kg("APPLE", 500, 349)}, {fixed("P4", {"APPLE"}, 299)}, true, 150, 25, {25}, {8}},
      {"the better promotion wins a unit",
       {each("PEN", 3, 199)}, {multibuy("P1", {"PEN"}, 3, 2), percent("P3", {"PEN"}, 5000)}, true, 298, 299, {299}, {50}},
      {"what the first leaves, the second takes",
       {each("PEN", 4, 199)}, {multibuy("P1", {"PEN"}, 3, 2), fixed("P4", {"PEN"}, 180)}, true, 578, 218, {218}, {96}},
      {"basket discount spread over rates by net amount",
       {each("X", 1, 4000), each("Y", 1, 2000, 550, "reduced")}, {threshold("P5", 5000, 500)}, true,
       5500, 500, {333, 167}, {611, 96}},
      {"threshold counts after item discounts",
       {each("PEN", 30, 199)}, {multibuy("P1", {"PEN"}, 3, 2), threshold("P5", 5000, 500)}, true,
       3980, 1990, {1990}, {663}},
      {"the largest threshold reached applies alone",
       {each("X", 1, 12000)}, {threshold("T1", 5000, 500), threshold("T2", 10000, 1500)}, true,
       10500, 1500, {1500}, {1750}},
      {"three rates in one basket",
       {each("A", 1, 1000), each("B", 1, 1000, 550, "reduced"), each("C", 1, 1000, 0, "zero")}, {}, true,
       3000, 0, {0, 0, 0}, {167, 52, 0}},
      {"US: tax added on top, half-up", {each("A", 1, 1000, 825, "state")}, {}, false, 1083, 0, {0}, {83}},
      {"US: two rates each rounded once", {each("A", 3, 333, 825, "state"), each("B", 1, 1999, 600, "food")}, {}, false,
       3200, 0, {0, 0}, {82, 120}},
  };
  for (const Row& r : rows) {
    INFO(r.name);
    PricedBasket b = price_basket(r.lines, r.promos, r.inclusive);
    CHECK(b.total == r.total);
    CHECK(b.discount == r.discount);
    REQUIRE(b.lines.size() == r.line_discounts.size());
    for (size_t i = 0; i < b.lines.size(); ++i) CHECK(b.lines[i].discount == r.line_discounts[i]);
    REQUIRE(b.tax.size() == r.taxes.size());
    for (size_t i = 0; i < b.tax.size(); ++i) CHECK(b.tax[i].amount == r.taxes[i]);
  }
}

TEST_CASE("a line's promotions are named on it", "[pricing]") {
  PricedBasket b = price_basket({each("PEN", 3, 199), each("INK", 1, 6000)},
                                {multibuy("P1", {"PEN"}, 3, 2), threshold("P5", 5000, 500)}, true);
  CHECK(b.lines[0].promotions == std::vector<std::string>{"P1", "P5"});
  CHECK(b.lines[1].promotions == std::vector<std::string>{"P5"});
}

namespace {
LineInput with_manual(LineInput l, int64_t percent_bp, money::Minor amount) {
  l.manual = {percent_bp, amount};
  return l;
}
}  // namespace

TEST_CASE("manual discounts come after the promotions: a line's, then the threshold, then the basket's", "[pricing]") {
  const std::vector<Promotion> promos = {multibuy("P1", {"PEN"}, 3, 2), threshold("T", 5000, 500)};
  SECTION("10 % of a line is taken from what the multibuy left, rounded half up") {
    auto p = price_basket({with_manual(each("PEN", 3, 199), 1000, 0)}, promos, true);
    CHECK(p.lines[0].manual_base == 398);
    CHECK(p.lines[0].manual == 40);  // 39.8
    CHECK(p.lines[0].discount == 199 + 40);
    CHECK(p.manual == 40);
    CHECK(p.total == 358);
  }
  SECTION("an amount never takes more than the line costs") {
    auto p = price_basket({with_manual(each("PEN", 3, 199), 0, 500)}, promos, true);
    CHECK(p.lines[0].manual == 398);
    CHECK(p.total == 0);
    CHECK(p.tax_total == 0);
  }
  SECTION("a line's manual discount counts before the threshold: under 50.00 after it, no threshold discount") {
    auto p = price_basket({with_manual(each("TV", 1, 5200), 1000, 0)}, promos, true);
    CHECK(p.lines[0].manual == 520);
    CHECK(p.lines[0].promotions.empty());
    CHECK(p.total == 4680);
  }
  SECTION("the basket's manual discount comes after the threshold and is spread over the lines by net") {
    auto p = price_basket({each("TV", 1, 5200), each("BREAD", 1, 289, 550, "reduced")}, promos, true, {1000, 0});
    CHECK(p.basket_manual_base == 5489 - 500);
    CHECK(p.basket_manual == 499);  // 498.9
    CHECK(p.lines[0].basket_manual + p.lines[1].basket_manual == 499);
    CHECK(p.lines[0].basket_manual > p.lines[1].basket_manual);
    CHECK(p.manual == 499);
    CHECK(p.total == 5489 - 500 - 499);
    // The tax follows what is paid: each rate's base is net of every discount.
    CHECK(p.tax[0].base + p.tax[1].base == p.total);
  }
  SECTION("no manual discount: nothing manual") {
    auto p = price_basket({each("PEN", 3, 199)}, promos, true);
    CHECK(p.manual == 0);
    CHECK(p.lines[0].manual_base == 0);
  }
}

TEST_CASE("manual_amount: a percentage rounded, an amount as given, never more than the base", "[pricing]") {
  CHECK(manual_amount({1000, 0}, 398) == 40);
  CHECK(manual_amount({10000, 0}, 398) == 398);
  CHECK(manual_amount({0, 150}, 398) == 150);
  CHECK(manual_amount({0, 999}, 398) == 398);
  CHECK(manual_amount({2500, 0}, 0) == 0);
  CHECK(manual_amount({0, 0}, 398) == 0);
}
