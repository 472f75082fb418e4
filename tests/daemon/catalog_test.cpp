#include <catch2/catch.hpp>

#include "storage/catalog_json.h"

using namespace posd;
using json = nlohmann::json;

namespace {
json sample() {
  return json::parse(R"({
    "tax_classes": [{"id": "standard", "rate_bp": 2000}, {"id": "reduced", "rate_bp": 550}],
    "items": [
      {"sku": "PEN-BLUE", "gtins": ["4006381333931"], "name": "Pen, blue", "price": 199,
       "unit": "each", "tax_class": "standard", "low_stock": 5, "age_restricted": false},
      {"sku": "APPLES", "name": "Apples", "price": 349, "unit": "kg", "tax_class": "reduced"}],
    "promotions": [
      {"id": "P1", "type": "multibuy", "skus": ["PEN-BLUE"], "buy": 3, "pay": 2},
      {"id": "P5", "type": "basket_threshold", "min_total": 5000, "discount": 500}]})");
}
}  // namespace

TEST_CASE("the catalog format parses", "[catalog]") {
  auto c = parse_catalog(sample());
  REQUIRE(c);
  REQUIRE(c->items.size() == 2);
  CHECK(c->items[0].gtins == std::vector<std::string>{"04006381333931"});
  CHECK(c->items[1].unit == Unit::kg);
  CHECK(c->promotions[0].buy == 3);
  CHECK(c->promotions[1].type == PromoType::basket_threshold);
  CHECK(to_json(c->promotions[0])["type"] == "multibuy");
}

TEST_CASE("a bad catalog names the field and the reason", "[catalog]") {
  struct Row { std::function<void(json&)> edit; const char* error; };
  const std::vector<Row> rows = {
      {[](json& j) { j.erase("items"); }, "items: is required"},
      {[](json& j) { j["items"][0]["price"] = 1.99; }, "items[0].price: must be an integer from 0 to 100000000000"},
      {[](json& j) { j["items"][0]["price"] = -1; }, "items[0].price: must be an integer from 0 to 100000000000"},
      {[](json& j) { j["items"][0]["unit"] = "litre"; }, "items[0].unit: must be \"each\" or \"kg\""},
      {[](json& j) { j["items"][0]["tax_class"] = "zero"; }, "items[0].tax_class: \"zero\" is not a tax class of this catalog"},
      {[](json& j) { j["items"][0]["gtins"][0] = "4006381333932"; }, "items[0].gtins[0]: bad check digit"},
      {[](json& j) { j["items"][1]["gtins"] = {"4006381333931"}; }, "items[1].gtins: 04006381333931 belongs to two items"},
      {[](json& j) { j["items"][1]["sku"] = "PEN-BLUE"; }, "items[1].sku: \"PEN-BLUE\" is used twice"},
      {[](json& j) { j["items"][0]["colour"] = "blue"; }, "items[0].colour: is not a known key"},
      {[](json& j) { j["tax_classes"][0]["rate_bp"] = 20000; }, "tax_classes[0].rate_bp: must be an integer from 0 to 10000"},
      {[](json& j) { j["promotions"][0]["pay"] = 3; }, "promotions[0].pay: must be an integer from 1 to 2"},
      {[](json& j) { j["promotions"][0]["skus"] = {"NOPE"}; }, "promotions[0].skus[0]: \"NOPE\" is not an item of this catalog"},
      {[](json& j) { j["promotions"][0]["type"] = "bogof"; }, "promotions[0].type: must be one of multibuy, multibuy_price, percent_off, fixed_price, basket_threshold"},
      {[](json& j) { j["promotions"][1]["discount"] = 6000; }, "promotions[1].discount: must be an integer from 1 to 5000"},
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    INFO("row " << i);
    json j = sample();
    rows[i].edit(j);
    auto c = parse_catalog(j);
    REQUIRE_FALSE(c);
    CHECK(c.status().message() == rows[i].error);
  }
}
