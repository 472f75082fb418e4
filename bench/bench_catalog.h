// The catalog the benchmarks use: `items` items with valid EAN-13s, two tax
// classes and `promotions` promotions (one by default; a supermarket runs
// hundreds to a few thousand at once, each on a few dozen items).
#pragma once

#include <string>

#include "base/gtin.h"
#include "storage/catalog.h"
#include "storage/catalog_json.h"

namespace posd::bench {

inline std::string gtin_of(int i) {
  std::string body = "5" + std::string(11 - std::to_string(i).size(), '0') + std::to_string(i);
  return body + *barcode::gs1_check_digit(body);
}

inline Catalog catalog(int items, int promotions = 1) {
  Catalog c;
  c.tax_classes = {{"standard", 2000}, {"reduced", 550}};
  for (int i = 0; i < items; ++i) {
    Item it;
    it.sku = "SKU-" + std::to_string(i);
    it.gtins = {"0" + gtin_of(i)};
    it.name = "Item " + std::to_string(i);
    it.price = 99 + (i * 37) % 5000;
    it.tax_class = i % 3 ? "standard" : "reduced";
    it.low_stock = 2;
    c.items.push_back(std::move(it));
  }
  c.promotions.push_back({"P1", PromoType::percent_off, {"SKU-1", "SKU-2"}, 0, 0, 0, 0, 1000, 0, 0});
  // The others: 20 items each, spread over the catalog; the four item kinds
  // in turn, and a basket threshold every 50th.
  for (int k = 2; k <= promotions; ++k) {
    Promotion p{"P" + std::to_string(k), PromoType::multibuy, {}, 0, 0, 0, 0, 0, 0, 0};
    for (int j = 0; j < 20; ++j) {
      p.skus.push_back("SKU-" + std::to_string((static_cast<int64_t>(k) * 20 + j) * 7919 % items));
    }
    switch (k % 50 == 0 ? 4 : k % 4) {
      case 0: p.buy = 3, p.pay = 2; break;
      case 1: p.type = PromoType::percent_off, p.percent_bp = 1500; break;
      case 2: p.type = PromoType::fixed_price, p.price = 99; break;
      case 3: p.type = PromoType::multibuy_price, p.qty = 2, p.price = 500; break;
      default: p.type = PromoType::basket_threshold, p.skus.clear(), p.min_total = 10000 + k, p.discount = 500;
    }
    c.promotions.push_back(std::move(p));
  }
  return c;
}

// The same catalog as the document posctl catalog import and posd-hq catalog
// publish read (docs/catalog.md).
inline nlohmann::json catalog_document(int items) {
  Catalog c = catalog(items);
  nlohmann::json doc = {{"tax_classes", nlohmann::json::array()}, {"items", nlohmann::json::array()},
                        {"promotions", nlohmann::json::array()}};
  for (const TaxClass& t : c.tax_classes) doc["tax_classes"].push_back({{"id", t.id}, {"rate_bp", t.rate_bp}});
  for (const Item& it : c.items) doc["items"].push_back(to_json(it));
  for (const Promotion& p : c.promotions) doc["promotions"].push_back(to_json(p));
  return doc;
}

}  // namespace posd::bench
