// Exchanges at a lane, over a real socket with the demo catalog: one basket
// holds lines brought back from a receipt and new lines; their credit pays
// the new lines, the customer pays or gets back the difference, stock moves
// both ways, and the return and the sale are one journal transaction.
#include <catch2/catch.hpp>

#include "tests/daemon/node.h"

using namespace posd;
using json = nlohmann::json;

namespace {

int64_t on_hand(const test::Lane& lane, const std::string& sku) { return lane.get("/v1/stock/" + sku).json()["on_hand"]; }

// Sale 1: coffee (7.99 − 10 % = 7.19) and bread (2.89), paid by card.
void first_sale(const test::Lane& lane) {
  const std::string id = lane.open_basket();
  lane.scan(id, {"COFFEE-500", "BREAD"});
  REQUIRE(lane.post("/v1/baskets/" + id + "/tenders", {{"type", "card"}, {"amount", 1008}, {"approval_ref", "A1"}, {"masked_pan", "4242"}}).status == 200);
  REQUIRE(lane.post("/v1/baskets/" + id + "/complete").status == 200);
}

const json kCoffeeBack = {{"receipt_no", 1}, {"lines", {{{"line", 1}, {"qty", 1}}}}};

}  // namespace

TEST_CASE("an exchange: the coffee back pays for the wine, the customer pays the difference, stock moves both ways", "[checkout][exchange]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  first_sale(lane);
  const std::string id = lane.open_basket();
  const std::string at = "/v1/baskets/" + id;
  lane.scan(id, {"WINE-RED"});  // 8.99
  auto held = lane.send("PUT", at + "/returns", kCoffeeBack);
  REQUIRE(held.status == 200);
  CHECK(held.json()["returned"]["credit"] == 719);
  CHECK(held.json()["returned"]["lines"][0]["sku"] == "COFFEE-500");
  CHECK(held.json()["total"] == 899);
  CHECK(held.json()["due"] == 180);
  CHECK(held.json()["refund_due"] == 0);
  // Nothing moved yet: the return is made with the sale.
  CHECK(on_hand(lane, "COFFEE-500") == 39);

  REQUIRE(lane.post(at + "/tenders", {{"type", "cash"}, {"amount", 200}}).status == 200);
  auto sold = lane.post(at + "/complete");
  REQUIRE(sold.status == 200);
  const json done = sold.json();
  CHECK(done["change"] == 20);
  CHECK(done["exchange"]["return_no"] == 1);
  CHECK(done["exchange"]["refund"] == 719);
  CHECK(done["exchange"]["tenders"] == json::array({{{"type", "exchange"}, {"amount", 719}}}));
  CHECK(done["exchange"]["refund_due"] == 0);
  CHECK(done["exchange"]["seq"].get<int64_t>() + 1 == done["seq"].get<int64_t>());

  auto sale = lane.get("/v1/sales/2").json();
  CHECK(sale["tenders"][0] == json({{"type", "exchange"}, {"amount", 719}, {"applied", 719}}));
  CHECK(sale["exchange"]["return_no"] == 1);
  CHECK(sale["exchange"]["receipt_no"] == 1);
  CHECK(lane.get("/v1/sales/1").json()["returns"].size() == 1);
  CHECK(on_hand(lane, "COFFEE-500") == 40);
  CHECK(on_hand(lane, "WINE-RED") == 39);
  auto ret = test::journal_events(node.db_path(), "return");
  REQUIRE(ret.size() == 1);
  CHECK(ret[0].payload["exchange_basket_id"] == id);
  // The credit is a tender of both sides: it nets to 0 in the day's figures.
  auto x = lane.get("/v1/reports/x").json();
  json exchange_row;
  for (const json& t : x["tenders"]) {
    if (t["type"] == "exchange") exchange_row = t;
  }
  CHECK(exchange_row == json({{"type", "exchange"}, {"sales", 719}, {"refunds", 719}, {"net", 0}}));
  CHECK(x["net_total"] == 1008 + 899 - 719);
  // Its credit came with a return: the sale cannot be voided alone.
  auto refused = lane.post("/v1/sales/2/void", nullptr, {{"X-Supervisor-Token", test::kSupervisorToken}});
  CHECK(refused.status == 409);
  CHECK(refused.json()["error"]["code"] == "sale_is_exchange");
  CHECK(lane.get("/v1/sales/2").json()["status"] == "completed");
}

TEST_CASE("an exchange whose credit is more than the new lines gives the rest back to the sale's card", "[checkout][exchange]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  first_sale(lane);
  const std::string id = lane.open_basket();
  lane.scan(id, {"BREAD"});
  auto held = lane.send("PUT", "/v1/baskets/" + id + "/returns", kCoffeeBack);
  CHECK(held.json()["due"] == 0);
  CHECK(held.json()["refund_due"] == 719 - 289);
  CHECK(error_code(lane.post("/v1/baskets/" + id + "/tenders", {{"type", "cash"}, {"amount", 100}})) == "nothing_due");
  auto sold = lane.post("/v1/baskets/" + id + "/complete");
  REQUIRE(sold.status == 200);
  CHECK(sold.json()["exchange"]["tenders"] == json::array({{{"type", "exchange"}, {"amount", 289}}, {{"type", "card"}, {"amount", 430}}}));
  CHECK(sold.json()["exchange"]["refund_due"] == 430);
  CHECK_THAT(sold.json()["receipt"].get<std::string>(),
             Catch::Contains("exchange: back from receipt 1") && Catch::Contains("7.19") && Catch::Contains("GIVEN BACK") && Catch::Contains("4.30"));
  CHECK(lane.get("/v1/reports/x").json()["net_total"] == 1008 + 289 - 719);
}

TEST_CASE("an exchange refuses bad input precisely, and a return of the same lines in between stops it whole", "[checkout][exchange]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  first_sale(lane);
  const std::string id = lane.open_basket();
  const std::string at = "/v1/baskets/" + id;
  CHECK(error_code(lane.send("PUT", at + "/returns", {{"lines", {{{"line", 1}, {"qty", 1}}}}})) == "invalid_request");
  CHECK(error_code(lane.send("PUT", at + "/returns", {{"receipt_no", 1}, {"tender", "cash"}, {"lines", {{{"line", 1}, {"qty", 1}}}}})) == "invalid_request");
  CHECK(error_code(lane.send("PUT", at + "/returns", {{"receipt_no", 1}, {"lines", {{{"line", 1}, {"qty", 2}}}}})) == "exceeds_sold");
  CHECK(error_code(lane.send("PUT", at + "/returns", {{"receipt_no", 9}, {"lines", {{{"line", 1}, {"qty", 1}}}}})) == "sale_not_found");
  CHECK(error_code(lane.del(at + "/returns")) == "no_exchange");
  REQUIRE(lane.send("PUT", at + "/returns", kCoffeeBack).status == 200);
  CHECK(error_code(lane.post(at + "/complete")) == "empty_basket");  // no new lines: a return alone is POST /v1/returns
  lane.scan(id, {"WINE-RED"});
  REQUIRE(lane.post(at + "/tenders", {{"type", "cash"}, {"amount", 180}}).status == 200);
  CHECK(error_code(lane.send("PUT", at + "/returns", kCoffeeBack)) == "basket_has_tenders");

  // The coffee comes back at the service desk first: the exchange's credit no longer holds.
  REQUIRE(lane.post("/v1/returns", kCoffeeBack).status == 201);
  const auto before = test::journal_events(node.db_path()).size();
  auto refused = lane.post(at + "/complete");
  CHECK(refused.status == 422);
  CHECK(error_code(refused) == "exceeds_sold");
  CHECK(test::journal_events(node.db_path()).size() == before);
  CHECK(lane.get("/v1/sales/2").status == 404);
  CHECK(on_hand(lane, "WINE-RED") == 40);
  CHECK(on_hand(lane, "COFFEE-500") == 40);  // back once, not twice
  CHECK(lane.get(at).json()["state"] == "open");
}
