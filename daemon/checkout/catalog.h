// The catalog as HQ systems produce it (docs/catalog.md): tax classes, items
// and promotions. parse_catalog checks a whole document and names the first
// bad field by its path ("items[3].price: must be a non-negative integer").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/checkout/money.h"
#include "storage/status.h"

namespace posd {

enum class Unit { each, kg };
const char* to_string(Unit u);

struct TaxClass {
  std::string id;
  int64_t rate_bp = 0;  // 2000 = 20 %
};

struct Item {
  std::string sku;
  std::vector<std::string> gtins;  // normalised to 14 digits
  std::string name;
  money::Minor price = 0;          // per unit, or per kilogram
  Unit unit = Unit::each;
  std::string tax_class;
  int64_t low_stock = 0;           // alert when on-hand falls below this
  bool age_restricted = false;
};

enum class PromoType { multibuy, multibuy_price, percent_off, fixed_price, basket_threshold };
const char* to_string(PromoType t);

struct Promotion {
  std::string id;
  PromoType type = PromoType::multibuy;
  std::vector<std::string> skus;  // all but basket_threshold
  int64_t buy = 0, pay = 0;       // multibuy: buy N pay M
  int64_t qty = 0;                // multibuy_price: qty for price
  money::Minor price = 0;         // multibuy_price, fixed_price
  int64_t percent_bp = 0;         // percent_off
  money::Minor min_total = 0;     // basket_threshold
  money::Minor discount = 0;      // basket_threshold

  bool covers(const std::string& sku) const;
};

struct Catalog {
  std::vector<TaxClass> tax_classes;
  std::vector<Item> items;
  std::vector<Promotion> promotions;
};

Result<Catalog> parse_catalog(const nlohmann::json& j);
nlohmann::json to_json(const Item& item);
nlohmann::json to_json(const Promotion& p);

}  // namespace posd
