// What the browser lane and the dashboard stand on, over a real socket: their
// files (types, ETag, CSP), the list of baskets to resume, changing a line in
// place, the low-stock list and HQ's quarantined entries.
#include <catch2/catch.hpp>

#include "base/clock.h"
#include "storage/sqlite.h"
#include "tests/daemon/node.h"

using namespace posd;
using json = nlohmann::json;

TEST_CASE("the lane and dashboard files are served with their type, an ETag and a CSP", "[web]") {
  test::Node node;
  auto lane = test::request(node.port(), "GET", "/");
  REQUIRE(lane.status == 200);
  CHECK(lane.headers["content-type"] == "text/html; charset=utf-8");
  CHECK(lane.headers["cache-control"] == "no-cache");
  CHECK(lane.headers["x-content-type-options"] == "nosniff");
  const std::string csp = lane.headers["content-security-policy"];
  CHECK_THAT(csp, Catch::Contains("script-src 'self'"));
  CHECK_THAT(csp, !Catch::Contains("unsafe-inline"));
  CHECK_THAT(lane.body, Catch::Contains("<script type=\"module\" src=\"/web/lane.js\">"));
  // No inline script in any page: every <script> names its file.
  for (const std::string page : {"/", "/dashboard"}) {
    const std::string body = test::request(node.port(), "GET", page).body;
    for (size_t at = body.find("<script"); at != std::string::npos; at = body.find("<script", at + 1)) {
      CHECK_THAT(body.substr(at, body.find('>', at) - at), Catch::Contains(" src=\"/web/"));
    }
  }
  CHECK(test::request(node.port(), "GET", "/dashboard").headers["content-type"] == "text/html; charset=utf-8");
  auto js = test::request(node.port(), "GET", "/web/lane.js");
  REQUIRE(js.status == 200);
  CHECK(js.headers["content-type"] == "text/javascript; charset=utf-8");
  CHECK(test::request(node.port(), "GET", "/web/posd.css").headers["content-type"] == "text/css; charset=utf-8");

  // Revalidation: the same ETag answers 304 with no body; another gets the file.
  const std::string etag = js.headers["etag"];
  REQUIRE(etag.size() == 34);
  auto again = test::request(node.port(), "GET", "/web/lane.js", "", "", {{"If-None-Match", etag}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(test::request(node.port(), "GET", "/web/lane.js", "", "", {{"If-None-Match", "\"other\""}}).status == 200);

  auto missing = test::request(node.port(), "GET", "/web/nothing.js");
  CHECK(missing.status == 404);
  CHECK(missing.json()["error"]["code"] == "not_found");
  CHECK(test::request(node.port(), "GET", "/web/..%2Fposd.db").status == 404);
  // The API itself still needs a token.
  CHECK(test::request(node.port(), "GET", "/v1/baskets").status == 401);
}

TEST_CASE("GET /v1/baskets lists the lane's own baskets and every suspended one", "[web][checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken), office(node.port(), test::kSupervisorToken);
  const std::string parked = lane.open_basket();
  lane.scan(parked, {"BREAD"});
  REQUIRE(lane.post("/v1/baskets/" + parked + "/suspend").status == 200);
  const std::string mine = lane.open_basket();
  const std::string theirs = office.open_basket();

  auto listed = lane.get("/v1/baskets").json()["baskets"];
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["id"] == parked);  // oldest first
  CHECK(listed[0]["state"] == "suspended");
  CHECK(listed[0]["total"] == 289);
  CHECK(listed[0]["terminal"] == "lane-1");
  CHECK(listed[1]["id"] == mine);
  auto office_sees = office.get("/v1/baskets").json()["baskets"];
  REQUIRE(office_sees.size() == 2);
  CHECK(office_sees[0]["id"] == parked);
  CHECK(office_sees[1]["id"] == theirs);
}

TEST_CASE("PATCH a line: quantity, weight and a supervised price, in place", "[web][checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  lane.scan(id, {"BREAD", "APPLES@1000", "PEN-BLUE"});
  auto patch = [&](const std::string& n, const json& body, const std::map<std::string, std::string>& headers = {}) {
    return test::request(node.port(), "PATCH", "/v1/baskets/" + id + "/lines/" + n, test::kCashierToken, body.dump(), headers);
  };
  auto two = patch("1", {{"qty", 2}});
  REQUIRE(two.status == 200);
  CHECK(two.json()["lines"][0]["qty"] == 2);
  CHECK(two.json()["lines"][0]["amount"] == 578);
  CHECK(two.json()["lines"][0]["sku"] == "BREAD");  // the line kept its place
  CHECK(patch("2", {{"weight_g", 500}}).json()["lines"][1]["weight_g"] == 500);

  // Bad input: a precise error, and the basket is as it was.
  const json before = lane.get("/v1/baskets/" + id).json();
  CHECK(patch("2", {{"qty", 2}}).json()["error"]["code"] == "invalid_request");    // sold by weight
  CHECK(patch("1", {{"weight_g", 10}}).json()["error"]["code"] == "invalid_request");  // sold by unit
  CHECK(patch("1", json::object()).json()["error"]["code"] == "invalid_request");
  CHECK(patch("1", {{"qty", 0}}).json()["error"]["code"] == "invalid_request");
  CHECK(patch("1", {{"qty", 1}, {"colour", "red"}}).json()["error"]["code"] == "invalid_request");
  CHECK(patch("9", {{"qty", 1}}).json()["error"]["code"] == "line_not_found");
  CHECK(patch("x", {{"qty", 1}}).json()["error"]["code"] == "line_not_found");
  auto refused = patch("3", {{"price", 99}});
  CHECK(refused.status == 403);
  CHECK(refused.json()["error"]["code"] == "supervisor_required");
  CHECK(lane.get("/v1/baskets/" + id).json() == before);

  auto overridden = patch("3", {{"price", 99}}, {{"X-Supervisor-Token", test::kSupervisorToken}});
  REQUIRE(overridden.status == 200);
  CHECK(overridden.json()["lines"][2]["unit_price"] == 99);
  CHECK(overridden.json()["lines"][2]["price_override"] == json({{"catalog_price", 199}, {"approved_by", "office"}}));

  REQUIRE(lane.post("/v1/baskets/" + id + "/tenders", {{"type", "cash"}, {"amount", 5000}}).status == 200);
  CHECK(patch("1", {{"qty", 3}}).json()["error"]["code"] == "basket_has_tenders");
}

TEST_CASE("GET /v1/low-stock lists the items under their threshold, the emptiest first", "[web][checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  // Items sold by weight start with no stock (the demo gives units only).
  const json before = lane.get("/v1/low-stock").json()["items"];
  for (const json& i : before) CHECK(i["unit"] == "kg");
  REQUIRE(lane.post("/v1/stock/movements", {{"sku", "BREAD"}, {"type", "count"}, {"qty", 3}}).status == 201);
  REQUIRE(lane.post("/v1/stock/movements", {{"sku", "PEN-BLUE"}, {"type", "count"}, {"qty", 1}}).status == 201);
  auto items = lane.get("/v1/low-stock").json()["items"];
  REQUIRE(items.size() == before.size() + 2);
  // On-hand 0 of any threshold comes first; then 1 of 5 (0.2) before 3 of 4 (0.75).
  auto at = [&](const std::string& sku) {
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i]["sku"] == sku) return static_cast<int>(i);
    }
    return -1;
  };
  REQUIRE(at("PEN-BLUE") >= 0);
  CHECK(items[at("PEN-BLUE")] == json({{"sku", "PEN-BLUE"}, {"name", "Pen, blue"}, {"unit", "each"}, {"on_hand", 1}, {"low_stock", 5}}));
  CHECK(at("PEN-BLUE") < at("BREAD"));
  CHECK(items[at("BREAD")]["on_hand"] == 3);
  REQUIRE(lane.post("/v1/stock/movements", {{"sku", "PEN-BLUE"}, {"type", "receive"}, {"qty", 10}}).status == 201);
  CHECK(lane.get("/v1/low-stock").json()["items"].size() == before.size() + 1);
}

TEST_CASE("GET /v1/hq/quarantine shows the newest entries HQ sent that could not apply", "[web][sync]") {
  test::Node node;
  test::Lane lane(node.port(), test::kCashierToken);
  CHECK(lane.get("/v1/hq/quarantine").json()["entries"].empty());
  {
    auto db = sql::Db::open(node.db_path());
    REQUIRE(db);
    auto ins = db->prepare("INSERT INTO down_quarantine(hq_seq, kind, reason, body, at) VALUES (?1, ?2, ?3, ?4, ?5)");
    REQUIRE(ins);
    ins->bind(1, int64_t{7}).bind(2, "price").bind(3, "unknown sku NOPE").bind(4, R"({"sku":"NOPE","price":100})").bind(5, "2026-11-23T08:00:00Z");
    REQUIRE(ins->run());
    ins->bind_null(1).bind(2, "?").bind(3, "not JSON").bind(4, std::string(600, 'x') + "\xff").bind(5, "2026-11-23T08:01:00Z");
    REQUIRE(ins->run());
  }
  auto entries = lane.get("/v1/hq/quarantine").json()["entries"];
  REQUIRE(entries.size() == 2);
  CHECK(entries[0]["hq_seq"].is_null());
  CHECK(entries[0]["truncated"] == true);
  CHECK(entries[0]["body"] == std::string(512, 'x'));
  CHECK(entries[1]["hq_seq"] == 7);
  CHECK(entries[1]["kind"] == "price");
  CHECK(entries[1]["reason"] == "unknown sku NOPE");
  CHECK(entries[1]["truncated"] == false);
}
