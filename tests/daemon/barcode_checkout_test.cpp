// Barcodes at the lane: scale labels under the store's region, GS1 codes with
// AIs, and expired perishables, through the real API over a real socket.
#include <catch2/catch.hpp>

#include "barcode/gs1.h"
#include "base/gtin.h"
#include "barcode/variable_measure.h"
#include "storage/catalog_json.h"
#include "tests/daemon/node.h"

using namespace posd;
using json = nlohmann::json;

namespace {

std::string with_check(const std::string& body) { return body + *barcode::gs1_check_digit(body); }
// A German scale label: prefix and item, the value's price check digit, the value.
std::string de_label(const std::string& prefix_item, const std::string& value) {
  return with_check(prefix_item + *barcode::price_check_digit(value) + value);
}

// A German store: a deli item priced by its scale label, cheese by weight,
// and a perishable with a GS1 DataBar carrying its expiry.
void load(Journal& journal) {
  auto c = parse_catalog(json::parse(R"({
    "tax_classes": [{"id": "reduced", "rate_bp": 700}],
    "items": [
      {"sku": "DELI-SALAD", "name": "Salad bar", "price": 0, "tax_class": "reduced", "gtins": ["2212340000000"]},
      {"sku": "CHEESE", "name": "Gouda", "price": 1490, "unit": "kg", "tax_class": "reduced", "gtins": ["2812340000002"]},
      {"sku": "MILK", "name": "Milk 1 l", "price": 119, "tax_class": "reduced", "gtins": ["09506000134352"]}
    ]})"));
  REQUIRE(c);
  REQUIRE(journal.write([&](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (Status s = catalog::replace(ctx.db, *c); !s) return s;
    return std::vector<Entry>{{"catalog_imported", {{"items", 3}}}};
  }));
}

}  // namespace

TEST_CASE("a scale label adds its item at the label's price or weight", "[checkout][barcode]") {
  test::Node node({}, [](json& j) { j["barcode_region"] = "DE"; });
  load(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string salad = de_label("221234", "00495");  // 4.95
  const std::string cheese = de_label("281234", "00512");  // 0.512 kg

  auto item = lane.get("/v1/items/" + salad);
  REQUIRE(item.status == 200);
  CHECK(item.json()["sku"] == "DELI-SALAD");
  CHECK(item.json()["label_price"] == 495);

  const std::string b = lane.open_basket();
  auto r = lane.post("/v1/baskets/" + b + "/lines", {{"code", salad}});
  REQUIRE(r.status == 200);
  CHECK(r.json()["lines"][0]["sku"] == "DELI-SALAD");
  CHECK(r.json()["lines"][0]["amount"] == 495);
  r = lane.post("/v1/baskets/" + b + "/lines", {{"code", cheese}});
  REQUIRE(r.status == 200);
  CHECK(r.json()["lines"][1]["weight_g"] == 512);
  CHECK(r.json()["lines"][1]["amount"] == 763);  // 14.90/kg × 0.512 kg
  CHECK(r.json()["total"] == 495 + 763);

  SECTION("a label whose price check digit is wrong is refused") {
    std::string bad = salad;
    bad[6] = bad[6] == '9' ? '0' : static_cast<char>(bad[6] + 1);
    bad = with_check(bad.substr(0, 12));
    auto refused = lane.post("/v1/baskets/" + b + "/lines", {{"code", bad}});
    CHECK(refused.status == 422);
    CHECK(refused.json()["error"]["code"] == "bad_barcode");
    CHECK_THAT(refused.json()["error"]["message"].get<std::string>(), Catch::Contains("price check digit"));
  }
  SECTION("the label's weight and a typed weight do not mix") {
    auto twice = lane.post("/v1/baskets/" + b + "/lines", {{"code", cheese}, {"weight_g", 100}});
    CHECK(twice.status == 400);
  }
}

TEST_CASE("without a region a scale label is just an unknown GTIN", "[checkout][barcode]") {
  test::Node node;
  load(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  auto r = lane.get("/v1/items/" + de_label("221234", "00495"));
  CHECK(r.status == 404);
  CHECK(r.json()["error"]["code"] == "unknown_code");
}

TEST_CASE("GS1 codes with AIs find their GTIN, and an expired perishable is refused", "[checkout][barcode]") {
  test::Node node;
  load(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string gs = std::string(1, barcode::kGroupSeparator);
  const std::string b = lane.open_basket();

  auto fresh = lane.post("/v1/baskets/" + b + "/lines", {{"code", "]e00109506000134352" "17301231" "10LOT7" + gs}});
  REQUIRE(fresh.status == 200);
  CHECK(fresh.json()["lines"][0]["sku"] == "MILK");
  CHECK(lane.post("/v1/baskets/" + b + "/lines", {{"code", "https://id.gs1.org/01/09506000134352"}}).status == 200);

  auto expired = lane.post("/v1/baskets/" + b + "/lines", {{"code", "]e00109506000134352" "17240131"}});
  CHECK(expired.status == 422);
  CHECK(expired.json()["error"]["code"] == "expired");
  CHECK_THAT(expired.json()["error"]["message"].get<std::string>(), Catch::Contains("2024-01-31"));
  CHECK(lane.get("/v1/baskets/" + b).json()["lines"].size() == 2);  // nothing added

  auto broken = lane.post("/v1/baskets/" + b + "/lines", {{"code", "]C10109506000134352" "17251301"}});
  CHECK(broken.status == 422);
  CHECK(broken.json()["error"]["code"] == "bad_barcode");
  CHECK_THAT(broken.json()["error"]["message"].get<std::string>(), Catch::Contains("AI 17"));
}
