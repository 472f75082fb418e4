// The promotion book prices a basket with the promotions that can touch it;
// the price must be the one all of the catalog's promotions give, whatever
// the catalog and the basket.
#include <catch2/catch.hpp>

#include <random>

#include "checkout/pricing.h"
#include "checkout/promotion_book.h"

using namespace posd;

namespace {

std::vector<std::string_view> skus_of(const std::vector<LineInput>& lines) {
  std::vector<std::string_view> out;
  for (const LineInput& l : lines) out.push_back(l.sku);
  return out;
}

std::vector<std::string> ids_of(const std::vector<Promotion>& promotions) {
  std::vector<std::string> out;
  for (const Promotion& p : promotions) out.push_back(p.id);
  return out;
}

// What a customer sees of a priced basket, line by line.
void check_same(const PricedBasket& a, const PricedBasket& b) {
  REQUIRE(a.lines.size() == b.lines.size());
  for (size_t i = 0; i < a.lines.size(); ++i) {
    CHECK(a.lines[i].amount == b.lines[i].amount);
    CHECK(a.lines[i].discount == b.lines[i].discount);
    CHECK(a.lines[i].promotions == b.lines[i].promotions);
  }
  CHECK(a.subtotal == b.subtotal);
  CHECK(a.discount == b.discount);
  CHECK(a.tax_total == b.tax_total);
  CHECK(a.total == b.total);
  CHECK(a.limit_error == b.limit_error);
}

}  // namespace

TEST_CASE("the promotion book gives a basket the promotions naming its items, and every threshold, in catalog order",
          "[pricing]") {
  Promotion a{"A", PromoType::percent_off, {"MILK", "BREAD"}};
  a.percent_bp = 1000;
  Promotion t{"T", PromoType::basket_threshold, {}};
  t.min_total = 1000, t.discount = 100;
  Promotion b{"B", PromoType::multibuy, {"PEN", "PEN"}};  // a SKU named twice
  b.buy = 3, b.pay = 2;
  Promotion c{"C", PromoType::fixed_price, {"BREAD", "PEN"}};
  c.price = 99;
  PromotionBook book({a, t, b, c});
  CHECK(book.size() == 4);
  CHECK(ids_of(book.for_skus({})) == std::vector<std::string>{"T"});
  CHECK(ids_of(book.for_skus({"SALT"})) == std::vector<std::string>{"T"});
  CHECK(ids_of(book.for_skus({"PEN"})) == std::vector<std::string>{"T", "B", "C"});
  CHECK(ids_of(book.for_skus({"PEN", "MILK", "PEN", "BREAD"})) == std::vector<std::string>{"A", "T", "B", "C"});
  // Moved, or moved over a book that held others (as the checkout reads it
  // again), the index still finds what it points at.
  PromotionBook moved = std::move(book);
  CHECK(ids_of(moved.for_skus({"MILK"})) == std::vector<std::string>{"A", "T"});
  PromotionBook older({c});
  CHECK(ids_of(older.for_skus({"PEN"})) == std::vector<std::string>{"C"});
  older = std::move(moved);
  CHECK(ids_of(older.for_skus({"PEN", "MILK"})) == std::vector<std::string>{"A", "T", "B", "C"});
  older = PromotionBook({b});
  CHECK(ids_of(older.for_skus({"PEN", "MILK"})) == std::vector<std::string>{"B"});
}

TEST_CASE("a basket priced with the book's promotions costs what all the catalog's promotions make it cost",
          "[pricing]") {
  std::mt19937 rng(20261204);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  for (int round = 0; round < 500; ++round) {
    const int kinds = 2 + pick(12);  // SKUs in this round's catalog
    auto sku = [&] { return "SKU-" + std::to_string(pick(kinds)); };
    std::vector<Promotion> all;
    const int promotions = pick(30);
    for (int k = 0; k < promotions; ++k) {
      Promotion p{"P" + std::to_string(k), PromoType::multibuy, {}};
      for (int n = 1 + pick(4); n > 0; --n) p.skus.push_back(sku());
      switch (pick(5)) {
        case 0: p.buy = 2 + pick(3), p.pay = 1 + pick(static_cast<int>(p.buy) - 1); break;
        case 1: p.type = PromoType::multibuy_price, p.qty = 2 + pick(3), p.price = 50 + pick(900); break;
        case 2: p.type = PromoType::percent_off, p.percent_bp = 100 + pick(5000); break;
        case 3: p.type = PromoType::fixed_price, p.price = 10 + pick(500); break;
        default: p.type = PromoType::basket_threshold, p.skus.clear(), p.min_total = pick(5000), p.discount = 1 + pick(700);
      }
      all.push_back(std::move(p));
    }
    std::vector<LineInput> lines;
    for (int n = pick(8); n > 0; --n) {
      if (pick(4) == 0) {
        lines.push_back({sku(), Unit::kg, 0, 50 + pick(2000), 100 + pick(3000), "reduced", 550, {}});
      } else {
        lines.push_back({sku(), Unit::each, 1 + pick(7), 0, 20 + pick(1500), "standard", 2000, {}});
      }
    }
    const bool inclusive = pick(2) == 0;
    const PromotionBook book(all);
    INFO("round " << round);
    check_same(price_basket(lines, all, inclusive), price_basket(lines, book.for_skus(skus_of(lines)), inclusive));
  }
}
