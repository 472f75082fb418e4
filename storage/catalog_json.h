// The catalog document as HQ systems produce it (docs/catalog.md): parsed and
// checked whole; the first bad field is named by its path
// ("items[3].price: must be an integer from 0 to 100000000000").
#pragma once

#include <nlohmann/json.hpp>

#include "storage/catalog.h"

namespace posd {

Result<Catalog> parse_catalog(const nlohmann::json& j);
nlohmann::json to_json(const Item& item);
nlohmann::json to_json(const Promotion& p);

}  // namespace posd
