// The catalog's data and its tables: tax classes, items with their GTINs, and
// promotions. Money is in minor units (int64). Validation of incoming
// documents lives with whoever receives them (storage/catalog_json.h);
// these functions store and read what was already checked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/sqlite.h"

namespace posd {

enum class Unit { each, kg };
const char* to_string(Unit u);

struct TaxClass {
  std::string id;
  int64_t rate_bp = 0;  // 2000 = 20 %
};

struct Item {
  std::string sku;
  std::vector<std::string> gtins;  // 14 digits each
  std::string name;
  int64_t price = 0;               // per unit, or per kilogram
  Unit unit = Unit::each;
  std::string tax_class;
  int64_t low_stock = 0;           // alert when on-hand falls below this
  bool age_restricted = false;
};

enum class PromoType { multibuy, multibuy_price, percent_off, fixed_price, basket_threshold };
const char* to_string(PromoType t);
std::optional<PromoType> promo_type(std::string_view name);

struct Promotion {
  std::string id;
  PromoType type = PromoType::multibuy;
  std::vector<std::string> skus;  // all but basket_threshold
  int64_t buy = 0, pay = 0;       // multibuy: buy N pay M
  int64_t qty = 0;                // multibuy_price: qty for price
  int64_t price = 0;              // multibuy_price, fixed_price
  int64_t percent_bp = 0;         // percent_off
  int64_t min_total = 0;          // basket_threshold
  int64_t discount = 0;           // basket_threshold

  bool covers(const std::string& sku) const;
};

struct Catalog {
  std::vector<TaxClass> tax_classes;
  std::vector<Item> items;
  std::vector<Promotion> promotions;
};

namespace catalog {

// Replaces the whole catalog with `c` (items absent from `c` are gone; stock
// figures stay). Run it inside a write transaction.
Status replace(sql::Db& db, const Catalog& c);

// Adds or replaces what `c` names (tax classes, items with their GTINs,
// promotions) and leaves everything else as it is. A GTIN given to an item
// leaves the item that carried it.
Status upsert(sql::Db& db, const Catalog& c);
// Removes the items (and their GTINs and stock figures stay); not_found names
// the first SKU that is not in the catalog, and nothing is removed.
Status remove_items(sql::Db& db, const std::vector<std::string>& skus);
// not_found when the item or promotion is not in the catalog.
Status set_price(sql::Db& db, const std::string& sku, int64_t price);
Status remove_promotion(sql::Db& db, const std::string& id);

// Whether a read of one item fills Item::gtins: a scan prices the item and
// never shows its codes, and skipping them is one query less a scan.
enum class Gtins { read, skip };
// The item whose SKU is `sku`, or nullopt.
Result<std::optional<Item>> by_sku(sql::Db& db, const std::string& sku, Gtins gtins = Gtins::read);
// The item carrying `gtin14`, or nullopt.
Result<std::optional<Item>> by_gtin(sql::Db& db, const std::string& gtin14, Gtins gtins = Gtins::read);
Result<std::optional<TaxClass>> tax_class(sql::Db& db, const std::string& id);
// Whether the catalog holds this SKU / this tax class.
Result<bool> has_item(sql::Db& db, const std::string& sku);
Result<bool> has_tax_class(sql::Db& db, const std::string& id);
// The item's low-stock threshold; 0 when it has none or is not in the catalog.
Result<int64_t> low_stock(sql::Db& db, const std::string& sku);
Result<std::vector<Promotion>> promotions(sql::Db& db);
// Moves with every write of the promotions (replace, an upsert that holds
// any, remove_promotion), by any process: what the checkout's copy of them
// is checked against.
Result<int64_t> promotions_version(sql::Db& db);
Result<int64_t> item_count(sql::Db& db);

}  // namespace catalog
}  // namespace posd
