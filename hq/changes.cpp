#include "hq/changes.h"

#include <set>

#include "base/json_fields.h"
#include "storage/catalog_json.h"

namespace posd::hq {

using json = nlohmann::json;

namespace {

constexpr int64_t kMaxPrice = 100'000'000'000;   // as the catalog's
constexpr int64_t kMaxUnits = 1'000'000'000;  // as the store's snapshot
constexpr size_t kMaxLines = 100'000;

std::vector<std::string> store_list(Fields& f) {
  std::vector<std::string> out;
  const json* stores = f.find("stores", false);
  if (!stores) return out;
  if (!stores->is_array() || stores->empty()) throw FieldError{f.child("stores"), "must be a non-empty array of store ids"};
  std::set<std::string> seen;
  for (size_t i = 0; i < stores->size(); ++i) {
    const json& s = (*stores)[i];
    const std::string path = f.child("stores") + "[" + std::to_string(i) + "]";
    if (!s.is_string() || s.get<std::string>().empty()) throw FieldError{path, "must be a store id"};
    if (!seen.insert(s.get<std::string>()).second) throw FieldError{path, "\"" + s.get<std::string>() + "\" is given twice"};
    out.push_back(s.get<std::string>());
  }
  return out;
}

template <typename Parse>
Result<ChangeRequest> checked(Parse parse) {
  try {
    return parse();
  } catch (const FieldError& e) {
    return Status::invalid_argument(e.message());
  }
}

}  // namespace

Result<DownEntries> catalog_entries(json doc, size_t chunk) {
  if (auto c = parse_catalog(doc); !c) return c.status();
  DownEntries out;
  out.push_back({"catalog_upsert", json{{"tax_classes", std::move(doc["tax_classes"])}}});
  json& items = doc["items"];
  for (size_t i = 0; i < items.size(); i += chunk) {
    json part = json::array();
    for (size_t k = i; k < std::min(items.size(), i + chunk); ++k) part.push_back(std::move(items[k]));
    out.push_back({"catalog_upsert", json{{"items", std::move(part)}}});
  }
  if (doc.contains("promotions") && !doc["promotions"].empty()) {
    out.push_back({"catalog_upsert", json{{"promotions", std::move(doc["promotions"])}}});
  }
  return out;
}

std::vector<std::string> catalog_skus(const DownEntries& entries) {
  std::vector<std::string> out;
  for (const auto& [kind, body] : entries) {
    if (kind != "catalog_upsert" || !body.is_object() || !body.contains("items") || !body["items"].is_array()) continue;
    for (const json& item : body["items"]) {
      if (item.is_object() && item.contains("sku") && item["sku"].is_string()) out.push_back(item["sku"]);
    }
  }
  return out;
}

Result<ChangeRequest> prices_request(const json& body) {
  return checked([&] {
    Fields f(body, "");
    ChangeRequest r{"price", store_list(f), {}, {}, std::nullopt, {}};
    const json& prices = f.array("prices");
    f.no_unknown_keys();
    if (prices.empty() || prices.size() > kMaxLines) {
      throw FieldError{"prices", "must hold 1 to " + std::to_string(kMaxLines) + " prices"};
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < prices.size(); ++i) {
      Fields p(prices[i], "prices[" + std::to_string(i) + "]");
      std::string sku = p.string("sku");
      int64_t price = p.integer("price", 0, kMaxPrice);
      p.no_unknown_keys();
      if (!seen.insert(sku).second) throw FieldError{p.child("sku"), "\"" + sku + "\" is given twice"};
      r.entries.push_back({"price", json{{"sku", sku}, {"price", price}}});
      r.skus.push_back(sku);
    }
    return r;
  });
}

Result<ChangeRequest> catalog_request(const json& body) {
  return checked([&]() -> Result<ChangeRequest> {
    Fields f(body, "");
    ChangeRequest r{"catalog", store_list(f), {}, {}, std::nullopt, {}};
    const json* doc = f.find("catalog", true);
    f.no_unknown_keys();
    auto entries = catalog_entries(*doc, 500);
    if (!entries) return Status::invalid_argument("catalog." + entries.status().message());
    r.entries = std::move(*entries);
    return r;
  });
}

Result<ChangeRequest> snapshot_request(const json& body) {
  return checked([&] {
    Fields f(body, "");
    ChangeRequest r{"stock_snapshot", {f.string("store")}, {}, {}, std::nullopt, {}};
    if (auto as_of = f.optional_integer("as_of_store_seq", 0, INT64_MAX)) r.as_of_store_seq = static_cast<uint64_t>(*as_of);
    const json& stock = f.array("stock");
    f.no_unknown_keys();
    if (stock.empty() || stock.size() > kMaxLines) {
      throw FieldError{"stock", "must hold 1 to " + std::to_string(kMaxLines) + " lines"};
    }
    json lines = json::array();
    std::set<std::string> seen;
    for (size_t i = 0; i < stock.size(); ++i) {
      Fields l(stock[i], "stock[" + std::to_string(i) + "]");
      std::string sku = l.string("sku");
      int64_t on_hand = l.integer("on_hand", -kMaxUnits, kMaxUnits);
      l.no_unknown_keys();
      if (!seen.insert(sku).second) throw FieldError{l.child("sku"), "\"" + sku + "\" is given twice"};
      lines.push_back({{"sku", sku}, {"on_hand", on_hand}});
      r.skus.push_back(sku);
    }
    r.entries.push_back({"stock_snapshot", json{{"as_of_store_seq", 0}, {"stock", lines}}});
    return r;
  });
}

void set_as_of(ChangeRequest& r, uint64_t seq) {
  for (auto& [kind, body] : r.entries) {
    if (kind == "stock_snapshot") body["as_of_store_seq"] = seq;
  }
}

Result<ChangeRequest> reservation_request(const json& body) {
  return checked([&] {
    Fields f(body, "");
    ChangeRequest r{"reservation", {f.string("store")}, {}, {}, std::nullopt, f.string("order_ref")};
    // It goes into a URL and a header: letters, digits and . _ : - only.
    if (r.order_ref.size() > 128 || r.order_ref.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                                   "0123456789._:-") != std::string::npos) {
      throw FieldError{"order_ref", "must be 1 to 128 letters, digits, '.', '_', ':' or '-'"};
    }
    json lines = json::array();
    if (f.find("lines", false)) {
      const json& given = f.array("lines");
      if (given.empty() || given.size() > 1000) throw FieldError{"lines", "must hold 1 to 1000 lines"};
      for (size_t i = 0; i < given.size(); ++i) {
        Fields l(given[i], "lines[" + std::to_string(i) + "]");
        std::string sku = l.string("sku");
        int64_t qty = l.integer("qty", 1, kMaxUnits);
        l.no_unknown_keys();
        lines.push_back({{"sku", sku}, {"qty", qty}});
        r.skus.push_back(sku);
      }
    } else {
      std::string sku = f.string("sku");
      int64_t qty = f.integer("qty", 1, kMaxUnits);
      lines.push_back({{"sku", sku}, {"qty", qty}});
      r.skus.push_back(sku);
    }
    f.no_unknown_keys();
    r.entries.push_back({"reservation", json{{"order_id", r.order_ref}, {"action", "reserve"}, {"lines", lines}}});
    return r;
  });
}

ChangeRequest order_action(const std::string& store, const std::string& order_ref, const std::string& action) {
  return ChangeRequest{"reservation", {store}, {{"reservation", json{{"order_id", order_ref}, {"action", action}}}}, {},
                       std::nullopt, order_ref};
}

}  // namespace posd::hq
