// The catalog document as HQ systems produce it (docs/catalog.md): parsed and
// checked whole; the first bad field is named by its path
// ("items[3].price: must be an integer from 0 to 100000000000").
#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "storage/catalog.h"

namespace posd {

Result<Catalog> parse_catalog(const nlohmann::json& j);

// What a partial catalog may refer to beyond itself: the store's own tax
// classes and items, when HQ sends a change (docs/sync-protocol.md).
struct CatalogRefs {
  std::function<bool(const std::string&)> tax_class;
  std::function<bool(const std::string&)> sku;
};
// A partial catalog: tax_classes, items and promotions are each optional.
Result<Catalog> parse_catalog_fragment(const nlohmann::json& j, const CatalogRefs& refs);
nlohmann::json to_json(const Item& item);
nlohmann::json to_json(const Promotion& p);

}  // namespace posd
