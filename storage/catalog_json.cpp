#include "storage/catalog_json.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "base/json_fields.h"
#include "base/gtin.h"

namespace posd {

namespace {

using json = nlohmann::json;
constexpr int64_t kMaxMoney = 1'000'000'000'00;  // 1e11 minor units: far above any price

using Known = std::function<bool(const std::string&)>;

std::vector<std::string> sku_list(Fields& f, const std::string& key, const Known& known) {
  const json& arr = f.array(key);
  if (arr.empty()) throw FieldError{f.child(key), "must name at least one sku"};
  std::vector<std::string> out;
  for (size_t i = 0; i < arr.size(); ++i) {
    const std::string path = f.child(key) + "[" + std::to_string(i) + "]";
    if (!arr[i].is_string()) throw FieldError{path, "must be a string"};
    if (!known(arr[i].get<std::string>())) throw FieldError{path, "\"" + arr[i].get<std::string>() + "\" is not an item of this catalog"};
    out.push_back(arr[i].get<std::string>());
  }
  return out;
}

Item parse_item(const json& j, const std::string& path, const Known& tax_known) {
  Fields f(j, path);
  Item it;
  it.sku = f.string("sku");
  it.name = f.string("name");
  it.price = f.integer("price", 0, kMaxMoney);
  const std::string unit = f.optional_string("unit").value_or("each");
  if (unit == "each") it.unit = Unit::each;
  else if (unit == "kg") it.unit = Unit::kg;
  else throw FieldError{f.child("unit"), "must be \"each\" or \"kg\""};
  it.tax_class = f.string("tax_class");
  if (!tax_known(it.tax_class)) throw FieldError{f.child("tax_class"), "\"" + it.tax_class + "\" is not a tax class of this catalog"};
  it.low_stock = f.optional_integer("low_stock", 0, 1'000'000'000).value_or(0);
  it.age_restricted = f.boolean("age_restricted", false);
  if (f.find("gtins", false)) {
    const json& g = f.array("gtins");
    for (size_t i = 0; i < g.size(); ++i) {
      const std::string gp = f.child("gtins") + "[" + std::to_string(i) + "]";
      if (!g[i].is_string()) throw FieldError{gp, "must be a string of digits"};
      auto parsed = barcode::parse_gtin(g[i].get<std::string>());
      if (!parsed.gtin) throw FieldError{gp, barcode::to_string(*parsed.error)};
      it.gtins.push_back(parsed.gtin->gtin14);
    }
  }
  f.no_unknown_keys();
  return it;
}

Promotion parse_promotion(const json& j, const std::string& path, const Known& skus) {
  Fields f(j, path);
  Promotion p;
  p.id = f.string("id");
  const std::string type = f.string("type");
  if (type == "multibuy") {
    p.type = PromoType::multibuy;
    p.skus = sku_list(f, "skus", skus);
    p.buy = f.integer("buy", 2, 1000);
    p.pay = f.integer("pay", 1, p.buy - 1);
  } else if (type == "multibuy_price") {
    p.type = PromoType::multibuy_price;
    p.skus = sku_list(f, "skus", skus);
    p.qty = f.integer("qty", 2, 1000);
    p.price = f.integer("price", 0, kMaxMoney);
  } else if (type == "percent_off") {
    p.type = PromoType::percent_off;
    p.skus = sku_list(f, "skus", skus);
    p.percent_bp = f.integer("percent_bp", 1, 10000);
  } else if (type == "fixed_price") {
    p.type = PromoType::fixed_price;
    p.skus = sku_list(f, "skus", skus);
    p.price = f.integer("price", 0, kMaxMoney);
  } else if (type == "basket_threshold") {
    p.type = PromoType::basket_threshold;
    p.min_total = f.integer("min_total", 1, kMaxMoney);
    p.discount = f.integer("discount", 1, p.min_total);
  } else {
    throw FieldError{f.child("type"),
                     "must be one of multibuy, multibuy_price, percent_off, fixed_price, basket_threshold"};
  }
  f.no_unknown_keys();
  return p;
}

template <typename T, typename F>
std::vector<T> each_of(const json& arr, const std::string& key, F parse) {
  std::vector<T> out;
  out.reserve(arr.size());
  for (size_t i = 0; i < arr.size(); ++i) out.push_back(parse(arr[i], key + "[" + std::to_string(i) + "]"));
  return out;
}


// Parses tax_classes, items and promotions (each required or not); a
// reference resolves within the document or through `refs`.
Result<Catalog> parse(const json& j, bool whole, const CatalogRefs& refs) {
  try {
    Fields top(j, "");
    Catalog c;
    // Hashed, sized for the document: a 100,000-item catalog's SKUs and
    // GTINs went into ordered sets, a string compare per level.
    std::set<std::string> tax_ids, promo_ids;
    std::unordered_set<std::string> skus, gtins;
    if (const json* items = top.find("items", false); items && items->is_array()) {
      skus.reserve(items->size());
      gtins.reserve(items->size());
    }
    auto tax_known = [&](const std::string& id) { return tax_ids.count(id) || (refs.tax_class && refs.tax_class(id)); };
    auto sku_known = [&](const std::string& sku) { return skus.count(sku) || (refs.sku && refs.sku(sku)); };
    if (whole || top.find("tax_classes", false)) {
      c.tax_classes = each_of<TaxClass>(top.array("tax_classes"), "tax_classes", [&](const json& t, const std::string& path) {
        Fields f(t, path);
        TaxClass tc{f.string("id"), f.integer("rate_bp", 0, 10000)};
        f.no_unknown_keys();
        if (!tax_ids.insert(tc.id).second) throw FieldError{path + ".id", "\"" + tc.id + "\" is used twice"};
        return tc;
      });
    }
    if (whole || top.find("items", false)) {
      c.items = each_of<Item>(top.array("items"), "items", [&](const json& t, const std::string& path) {
        Item it = parse_item(t, path, tax_known);
        if (!skus.insert(it.sku).second) throw FieldError{path + ".sku", "\"" + it.sku + "\" is used twice"};
        for (const auto& g : it.gtins) {
          if (!gtins.insert(g).second) throw FieldError{path + ".gtins", g + " belongs to two items"};
        }
        return it;
      });
    }
    if (top.find("promotions", false)) {
      c.promotions = each_of<Promotion>(top.array("promotions"), "promotions", [&](const json& t, const std::string& path) {
        Promotion p = parse_promotion(t, path, sku_known);
        if (!promo_ids.insert(p.id).second) throw FieldError{path + ".id", "\"" + p.id + "\" is used twice"};
        return p;
      });
    }
    top.no_unknown_keys();
    return c;
  } catch (const FieldError& e) {
    return Status::invalid_argument(e.message());
  }
}

}  // namespace

Result<Catalog> parse_catalog(const json& j) { return parse(j, true, {}); }

Result<Catalog> parse_catalog_fragment(const json& j, const CatalogRefs& refs) { return parse(j, false, refs); }

json to_json(const Item& it) {
  return {{"sku", it.sku},           {"gtins", it.gtins},         {"name", it.name},
          {"price", it.price},       {"unit", to_string(it.unit)}, {"tax_class", it.tax_class},
          {"low_stock", it.low_stock}, {"age_restricted", it.age_restricted}};
}

json to_json(const Promotion& p) {
  json j = {{"id", p.id}, {"type", to_string(p.type)}};
  switch (p.type) {
    case PromoType::multibuy: j["skus"] = p.skus; j["buy"] = p.buy; j["pay"] = p.pay; break;
    case PromoType::multibuy_price: j["skus"] = p.skus; j["qty"] = p.qty; j["price"] = p.price; break;
    case PromoType::percent_off: j["skus"] = p.skus; j["percent_bp"] = p.percent_bp; break;
    case PromoType::fixed_price: j["skus"] = p.skus; j["price"] = p.price; break;
    case PromoType::basket_threshold: j["min_total"] = p.min_total; j["discount"] = p.discount; break;
  }
  return j;
}

}  // namespace posd
