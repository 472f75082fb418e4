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

struct LineInput {
  std::string sku;
  Unit unit = Unit::each;
  int64_t qty = 0;           // each: units (> 0)
  int64_t weight_g = 0;      // kg: grams (> 0)
  money::Minor unit_price = 0;  // per unit or per kg
  std::string tax_class;
  int64_t rate_bp = 0;
};

struct PricedLine {
  money::Minor amount = 0;    // before discounts: unit_price × qty, or × grams / 1000 rounded
  money::Minor discount = 0;  // item promotions plus its share of the basket discount
  std::vector<std::string> promotions;  // ids that gave this line a discount
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
// added). Each line costs the same to price whatever its quantity.
PricedBasket price_basket(const std::vector<LineInput>& lines,
                          const std::vector<Promotion>& promotions, bool prices_include_tax);

}  // namespace posd
