// A basket as the basket store keeps it (storage/basket_store.h): all that is
// needed to take it up again after a restart, in posd's own form, not the
// API's (no prices computed, no totals: those are priced again). A basket
// being completed is kept as open: its sale either reached the journal (then
// the basket is marked ended there) or it did not.
#pragma once

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "checkout/basket.h"

namespace posd {

// The kept form as JSON text in canonical form, written in one pass (every
// change to a basket is kept); basket_state is the same as a document.
std::string basket_state_text(const Basket& b);
nlohmann::json basket_state(const Basket& b);
// The basket back; invalid_argument naming the first field that is wrong.
Result<Basket> basket_from_state(const nlohmann::json& j);

}  // namespace posd
