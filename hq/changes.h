// The documents HQ sends stores, as down-log entries, the same for the
// command line and the HQ API (docs/hq-openapi.yaml): a catalog, prices,
// stock snapshots. Each is checked whole before anything is appended; the
// first bad field is named by its path ("prices[2].price: must be …").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "hq/store.h"

namespace posd::hq {

// A change as asked: its kind ("price", "catalog", "stock_snapshot"), the
// stores it goes to (empty: every registered store), its entries, and the
// SKUs it names that must already be known to HQ.
struct ChangeRequest {
  std::string kind;
  std::vector<std::string> stores;
  DownEntries entries;
  std::vector<std::string> skus;
  std::optional<uint64_t> as_of_store_seq;  // a snapshot's; nullopt: what HQ holds
  std::string order_ref;                    // a reservation's order
};

// A catalog document (docs/catalog.md) as entries: the tax classes, the
// items in chunks of `chunk`, the promotions; a store applies them in order.
// The document's parts move into the entries (100,000 items are 15 MB of JSON).
Result<DownEntries> catalog_entries(nlohmann::json doc, size_t chunk);
// The SKUs a change's catalog_upsert entries bring.
std::vector<std::string> catalog_skus(const DownEntries& entries);

// {"stores"?: [...], "prices": [{"sku", "price"}, ...]}
Result<ChangeRequest> prices_request(const nlohmann::json& body);
// {"stores"?: [...], "catalog": {catalog document}}
Result<ChangeRequest> catalog_request(const nlohmann::json& body);
// {"store", "as_of_store_seq"?, "stock": [{"sku", "on_hand"}, ...]}: the
// entry's as_of_store_seq is filled in by the caller (set_as_of).
Result<ChangeRequest> snapshot_request(const nlohmann::json& body);
void set_as_of(ChangeRequest& r, uint64_t seq);
// {"store", "order_ref", "sku", "qty"} or {"store", "order_ref", "lines":
// [{"sku", "qty"}, ...]}: a click-and-collect order to reserve.
Result<ChangeRequest> reservation_request(const nlohmann::json& body);
// The order's release (a cancel) or pick, at `store`.
ChangeRequest order_action(const std::string& store, const std::string& order_ref, const std::string& action);

}  // namespace posd::hq
