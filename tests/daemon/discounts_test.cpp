// Manual discounts and reason codes at a lane, over a real socket with the
// demo catalog: within the cashier's limit, over it with a supervisor, kept
// within it as the basket changes, on the receipt and the X, refunded as
// paid; and every operation that needs a reason refusing without one.
#include <catch2/catch.hpp>

#include "sync/down_log.h"
#include "tests/daemon/node.h"

using namespace posd;
using json = nlohmann::json;

namespace {


// The store's codes: some uses have codes, no_sale has none.
void with_reason_codes(json& config) {
  config["reason_codes"] = {
      {"manual_discount", {{{"code", "DAMAGED"}, {"label", "Damaged"}}, {{"code", "STAFF"}, {"label", "Staff discount"}}}},
      {"price_override", {{{"code", "PRICE_MATCH"}, {"label", "Price match"}}}},
      {"return", {{{"code", "CHANGED_MIND"}, {"label", "Changed mind"}}}},
      {"void", {{{"code", "MISTAKE"}, {"label", "Cashier's mistake"}}}}};
}


}  // namespace

TEST_CASE("manual discounts: a reason, the role's limit, a supervisor beyond it, kept within it as the basket changes", "[checkout][discounts]") {
  test::Node node({}, with_reason_codes);
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  const std::string at = "/v1/baskets/" + id;
  lane.post(at + "/lines", {{"code", "PEN-BLUE"}, {"qty", 3}});  // 597, 3 for 2: 398
  auto start = lane.scan(id, {"BREAD"});                          // 289
  REQUIRE(start.json()["total"] == 687);
  const int64_t version = start.json()["version"];

  // Refused, and nothing changes: no reason, a code of another use, above the cashier's 10 %.
  auto no_reason = lane.send("PATCH", at + "/lines/1", {{"discount", {{"percent_bp", 1000}}}});
  CHECK(no_reason.status == 422);
  CHECK(error_code(no_reason) == "reason_required");
  CHECK_THAT(no_reason.body, Catch::Contains("DAMAGED, STAFF"));
  CHECK(error_code(lane.send("PATCH", at + "/lines/1", {{"discount", {{"percent_bp", 1000}, {"reason", "MISTAKE"}}}})) == "reason_unknown");
  auto over = lane.send("PATCH", at + "/lines/1", {{"discount", {{"percent_bp", 1500}, {"reason", "DAMAGED"}}}});
  CHECK(over.status == 403);
  CHECK(error_code(over) == "discount_over_limit");
  CHECK(error_code(lane.send("PATCH", at + "/lines/1", {{"discount", {{"percent_bp", 1000}, {"amount", 5}, {"reason", "DAMAGED"}}}})) == "invalid_request");
  CHECK(error_code(lane.send("PATCH", at + "/lines/1", {{"discount", {{"percent_bp", 0}, {"reason", "DAMAGED"}}}})) == "invalid_request");
  CHECK(lane.get(at).json()["version"] == version);
  CHECK(lane.get(at).json()["total"] == 687);

  // Within the limit: 10 % of what the multibuy left.
  auto given = lane.send("PATCH", at + "/lines/1", {{"discount", {{"percent_bp", 1000}, {"reason", "DAMAGED"}}}});
  REQUIRE(given.status == 200);
  CHECK(given.json()["lines"][0]["manual_discount"] == json({{"percent_bp", 1000}, {"off", 40}, {"reason", "DAMAGED"}}));
  CHECK(given.json()["lines"][0]["discount"] == 199 + 40);
  CHECK(given.json()["total"] == 647);

  SECTION("a discount the cashier gave may not grow past the limit when the basket shrinks, nor stack on another") {
    // 10 % on the line and 9.3 % of the basket on top are 18 % of the pens: over the cashier's 10 %.
    CHECK(error_code(lane.send("PUT", at + "/discount", {{"amount", 60}, {"reason", "STAFF"}})) == "discount_over_limit");
    REQUIRE(lane.send("PATCH", at + "/lines/1", {{"discount", nullptr}}).status == 200);
    REQUIRE(lane.send("PUT", at + "/discount", {{"amount", 60}, {"reason", "STAFF"}}).status == 200);  // 60 of 687: 8.7 %
    auto shrink = lane.send("PATCH", at + "/lines/1", {{"qty", 1}});  // 199 + 289 = 488: 60 would be 12.3 %
    CHECK(shrink.status == 403);
    CHECK(error_code(shrink) == "discount_over_limit");
    CHECK_THAT(shrink.body, Catch::Contains("the basket's manual discount"));
    CHECK(lane.get(at).json()["lines"][0]["qty"] == 3);
    REQUIRE(lane.del(at + "/discount").status == 200);
    CHECK(error_code(lane.del(at + "/discount")) == "no_discount");
    CHECK(lane.get(at).json()["total"] == 687);
  }

  SECTION("a supervisor gives more, an amount never more than the line, and the sale, receipt, X and refund show it") {
    auto too_large = lane.send("PATCH", at + "/lines/2", {{"discount", {{"amount", 290}, {"reason", "STAFF"}}}}, test::kSupervisorOverride);
    CHECK(too_large.status == 422);
    CHECK(error_code(too_large) == "discount_too_large");
    auto staff = lane.send("PATCH", at + "/lines/2", {{"discount", {{"amount", 289}, {"reason", "STAFF"}}}}, test::kSupervisorOverride);
    REQUIRE(staff.status == 200);
    CHECK(staff.json()["lines"][1]["manual_discount"]["approved_by"] == "office");
    CHECK(staff.json()["total"] == 358);
    // The cashier may change the line now: the limit is the supervisor's.
    CHECK(lane.send("PATCH", at + "/lines/2", {{"qty", 2}}).status == 200);
    REQUIRE(lane.send("PATCH", at + "/lines/2", {{"qty", 1}}).status == 200);
    // 5 % of the basket on top of the pens' 10 %: the cashier alone may not (15 %), a supervisor may.
    CHECK(error_code(lane.send("PUT", at + "/discount", {{"percent_bp", 500}, {"reason", "STAFF"}})) == "discount_over_limit");
    auto basket = lane.send("PUT", at + "/discount", {{"percent_bp", 500}, {"reason", "STAFF"}}, test::kSupervisorOverride);
    REQUIRE(basket.status == 200);
    CHECK(basket.json()["manual_discount"] == json({{"percent_bp", 500}, {"off", 18}, {"reason", "STAFF"}, {"approved_by", "office"}}));  // 5 % of 358
    CHECK(basket.json()["manual_discount_total"] == 40 + 289 + 18);
    CHECK(basket.json()["total"] == 340);

    auto sold = lane.pay_cash_and_complete(id);
    REQUIRE(sold.status == 200);
    const std::string receipt = sold.json()["receipt"];
    CHECK_THAT(receipt, Catch::Contains("manual discount DAMAGED") && Catch::Contains("-0.40") &&
                            Catch::Contains("basket discount STAFF") && Catch::Contains("-0.18"));
    auto sale = lane.get("/v1/sales/1").json();
    CHECK(sale["manual_discount_total"] == 347);
    CHECK(sale["lines"][1]["manual_discount"]["reason"] == "STAFF");
    auto x = lane.get("/v1/reports/x").json();
    CHECK(x["manual_discount_count"] == 1);
    CHECK(x["manual_discount_total"] == 347);
    CHECK(x["discount_total"] == 199 + 347);

    // A return refunds what was paid: the pens' net after every discount, 597 − 199 − 40 − 18 = 340, a third of it.
    CHECK(error_code(lane.post("/v1/returns", {{"receipt_no", 1}, {"lines", {{{"line", 1}, {"qty", 1}}}}})) == "reason_required");
    auto back = lane.post("/v1/returns", {{"receipt_no", 1}, {"reason", "CHANGED_MIND"}, {"lines", {{{"line", 1}, {"qty", 1}}}}});
    REQUIRE(back.status == 201);
    CHECK(back.json()["refund"] == 113);
    auto returns = test::journal_events(node.db_path(), "return");
    REQUIRE(returns.size() == 1);
    CHECK(returns[0].payload["reason"] == "CHANGED_MIND");
  }
}

TEST_CASE("voids, price overrides and no-sales take a reason when the store has codes for them, and only then", "[checkout][discounts]") {
  test::Node node({}, with_reason_codes);
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  auto no_reason = lane.post("/v1/baskets/" + id + "/lines", {{"code", "BREAD"}, {"price", 199}}, test::kSupervisorOverride);
  CHECK(error_code(no_reason) == "reason_required");
  CHECK(error_code(lane.post("/v1/baskets/" + id + "/lines", {{"code", "BREAD"}, {"reason", "PRICE_MATCH"}})) == "invalid_request");
  auto matched = lane.post("/v1/baskets/" + id + "/lines", {{"code", "BREAD"}, {"price", 199}, {"reason", "PRICE_MATCH"}}, test::kSupervisorOverride);
  REQUIRE(matched.status == 200);
  CHECK(matched.json()["lines"][0]["price_override"]["reason"] == "PRICE_MATCH");
  REQUIRE(lane.pay_cash_and_complete(id).status == 200);

  CHECK(error_code(lane.post("/v1/sales/1/void", nullptr, test::kSupervisorOverride)) == "reason_required");
  CHECK(error_code(lane.post("/v1/sales/1/void", {{"reason", "DAMAGED"}}, test::kSupervisorOverride)) == "reason_unknown");
  CHECK(error_code(lane.post("/v1/sales/1/void", {{"reason", "MISTAKE"}, {"why", "x"}}, test::kSupervisorOverride)) == "invalid_request");
  CHECK(lane.get("/v1/sales/1").json()["status"] == "completed");
  REQUIRE(lane.post("/v1/sales/1/void", {{"reason", "MISTAKE"}}, test::kSupervisorOverride).status == 200);
  auto voided = test::journal_events(node.db_path(), "sale_voided");
  REQUIRE(voided.size() == 1);
  CHECK(voided[0].payload["reason"] == "MISTAKE");

  // No codes for no_sale: none needed, and one given is refused.
  auto drawer = lane.post("/v1/drawer/open", {{"reason", "FLOAT"}}, test::kSupervisorOverride);
  CHECK(drawer.status == 422);
  CHECK(error_code(drawer) == "reason_unknown");
  CHECK(test::journal_events(node.db_path(), "no_sale").empty());
  CHECK(lane.post("/v1/drawer/open", nullptr, test::kSupervisorOverride).status == 200);

  auto codes = lane.get("/v1/reason-codes").json()["reason_codes"];
  CHECK(codes["void"] == json::array({{{"code", "MISTAKE"}, {"label", "Cashier's mistake"}}}));
  CHECK(codes["no_sale"].empty());
  CHECK(codes["paid_out"].empty());
}

TEST_CASE("reason codes HQ sends join the configuration file's, which win on the same code", "[checkout][discounts][down]") {
  test::Node node({}, with_reason_codes);
  test::load_demo_catalog(node.journal());
  uint64_t hq_seq = 0;
  auto send = [&](const json& body) {
    auto out = std::make_shared<sync::DownApplied>();
    REQUIRE(node.journal().write(sync::apply_down(sync::DownEntry{"TEST-1", ++hq_seq, "reason_code", body}, out)));
    REQUIRE(out->applied);
  };
  send({{"use", "no_sale"}, {"code", "CHANGE"}, {"label", "Change for the till"}});
  send({{"use", "return"}, {"code", "CHANGED_MIND"}, {"label", "HQ's label"}});
  test::Lane lane(node.port(), test::kCashierToken);
  auto codes = lane.get("/v1/reason-codes").json()["reason_codes"];
  CHECK(codes["no_sale"] == json::array({{{"code", "CHANGE"}, {"label", "Change for the till"}}}));
  CHECK(codes["return"] == json::array({{{"code", "CHANGED_MIND"}, {"label", "Changed mind"}}}));
  // HQ's code is now needed, with no restart.
  CHECK(error_code(lane.post("/v1/drawer/open", nullptr, test::kSupervisorOverride)) == "reason_required");
  CHECK(lane.post("/v1/drawer/open", {{"reason", "CHANGE"}}, test::kSupervisorOverride).status == 200);
  CHECK(test::journal_events(node.db_path(), "no_sale").at(0).payload["reason"] == "CHANGE");
}

TEST_CASE("role limits: who may open the drawer and close the day, from the configuration and from HQ over it", "[checkout][discounts][down]") {
  test::Node node({}, [](json& c) {
    c["role_limits"] = {{"cashier", {{"no_sale", true}}}, {"supervisor", {{"close_day", false}}}};
  });
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  test::Lane office(node.port(), test::kSupervisorToken);
  // A cashier may open the drawer here; a supervisor may not close the day.
  CHECK(lane.post("/v1/drawer/open").status == 200);
  auto z = office.post("/v1/reports/z");
  CHECK(z.status == 403);
  CHECK(error_code(z) == "role_not_allowed");
  CHECK(error_code(lane.post("/v1/reports/z")) == "supervisor_required");

  // HQ narrows the cashier's discount to 5 % and lets supervisors close the day.
  uint64_t hq_seq = 0;
  auto send = [&](const json& body) {
    auto out = std::make_shared<sync::DownApplied>();
    REQUIRE(node.journal().write(sync::apply_down(sync::DownEntry{"TEST-1", ++hq_seq, "role_limits", body}, out)));
    return out;
  };
  CHECK_THAT(send({{"cashier", {{"max_discount", 500}}}})->quarantined, Catch::Contains("body.cashier.max_discount: is not a known key"));
  REQUIRE(send({{"cashier", {{"max_discount_bp", 500}}}, {"supervisor", {{"close_day", true}}}})->applied);
  const std::string id = lane.open_basket();
  lane.scan(id, {"WINE-RED"});
  CHECK(error_code(lane.send("PATCH", "/v1/baskets/" + id + "/lines/1", {{"discount", {{"percent_bp", 1000}}}})) == "discount_over_limit");
  CHECK(lane.send("PATCH", "/v1/baskets/" + id + "/lines/1", {{"discount", {{"percent_bp", 500}}}}).status == 200);
  CHECK(office.post("/v1/reports/z").status == 201);
  // Keys HQ did not name stay the configuration's: the cashier still opens the drawer.
  CHECK(lane.post("/v1/drawer/open").status == 200);
}
