// Prices a basket: line amounts, promotions, the basket discount, tax per
// rate and the total. Pure: no I/O, no clock. The rules are in
// docs/catalog.md ("How a basket is priced"); tests/checkout/pricing_test.cpp
// holds them as tables.
#pragma once

#include <string>
#include <vector>

#include "checkout/money.h"
#include "storage/catalog.h"

namespace posd {

// A discount given by hand (an operator's, within their role's limit): a
// percentage of what is left after the promotions, or an amount, never
// more than that.
struct ManualDiscount {
  int64_t percent_bp = 0;     // 1000 = 10 %
  money::Minor amount = 0;
  bool given() const { return percent_bp > 0 || amount > 0; }
};

struct LineInput {
  std::string sku;
  Unit unit = Unit::each;
  int64_t qty = 0;           // each: units (> 0)
  int64_t weight_g = 0;      // kg: grams (> 0)
  money::Minor unit_price = 0;  // per unit or per kg
  std::string tax_class;
  int64_t rate_bp = 0;
  ManualDiscount manual;  // on this line
};

struct PricedLine {
  money::Minor amount = 0;    // before discounts: unit_price × qty, or × grams / 1000 rounded
  money::Minor discount = 0;  // item promotions, its share of the basket's, and manual discounts
  std::vector<std::string> promotions;  // ids that gave this line a discount
  money::Minor manual = 0;    // of `discount`: the line's manual discount
  money::Minor manual_base = 0;  // what the line's manual discount was taken from
  money::Minor basket_manual = 0;  // of `discount`: its share of the basket's manual discount
  money::Minor net() const { return amount - discount; }
};

struct TaxLine {
  std::string tax_class;
  int64_t rate_bp = 0;
  money::Minor base = 0;    // what the rate applies to (net of discounts; tax-inclusive in EU mode)
  money::Minor amount = 0;  // the tax
};

struct PricedBasket {
  std::vector<PricedLine> lines;
  money::Minor subtotal = 0;  // Σ amount
  money::Minor discount = 0;  // Σ discount
  money::Minor manual = 0;    // of `discount`: every manual discount, lines' and basket's
  money::Minor basket_manual = 0;       // the basket's manual discount
  money::Minor basket_manual_base = 0;  // what it was taken from (the lines' net before it)
  money::Minor tax_total = 0;
  money::Minor total = 0;     // what the customer pays
  std::vector<TaxLine> tax;   // one per tax class present, in first-seen order
  // Not empty when a line's amount or the total is above money::kMaxAmount
  // (then nothing else is priced): "line 3's amount is above the limit of …".
  std::string limit_error;
};

// The tax at `rate_bp` in `amount` when `inclusive` (EU style: prices hold
// their tax), or on top of it (US style), rounded half away from zero.
money::Minor tax_of(money::Minor amount, int64_t rate_bp, bool inclusive);

// `prices_include_tax`: EU style (tax is inside the prices) or US style (tax
// added). Each line costs the same to price whatever its quantity. In order:
// item promotions, each line's manual discount, the basket threshold
// promotion, the basket's manual discount (spread over the lines by net).
PricedBasket price_basket(const std::vector<LineInput>& lines,
                          const std::vector<Promotion>& promotions, bool prices_include_tax,
                          const ManualDiscount& basket_manual = {});

// What a manual discount takes off `base`: the percentage rounded half away
// from zero, or the amount, never more than `base`.
money::Minor manual_amount(const ManualDiscount& d, money::Minor base);

}  // namespace posd
