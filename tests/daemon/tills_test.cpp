// Tills at a lane, over a real socket: opened with a counted float, cash
// sales, refunds, voids and paid outs moving what it should hold, a blind
// close by denomination with its over/short, and the X and Z sections; every
// figure recomputed from the journal's events alone.
#include <catch2/catch.hpp>

#include "checkout/till.h"
#include "tests/daemon/node.h"

using namespace posd;
using json = nlohmann::json;

namespace {


void with_tills(json& c) {
  c["blind_close"] = true;
  c["reason_codes"] = {{"paid_out", {{{"code", "WINDOW_CLEANER"}, {"label", "Window cleaner"}}}}};
}

}  // namespace

TEST_CASE("a till: a counted float, cash in and out, a blind close with its over/short on the Z", "[tills]") {
  test::Node node({}, with_tills);
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  test::Lane office(node.port(), test::kSupervisorToken);

  // Bad input changes nothing.
  CHECK(error_code(lane.post("/v1/tills", {{"till", "T1"}, {"float", {{"3000", 1}}}})) == "unknown_denomination");
  CHECK(error_code(lane.post("/v1/tills", {{"till", "T1"}, {"float", {{"1000", -1}}}})) == "invalid_request");
  CHECK(error_code(lane.post("/v1/tills", {{"till", "T 1"}, {"float", json::object()}})) == "invalid_request");
  CHECK(error_code(lane.post("/v1/tills/T1/close", {{"counted", json::object()}})) == "till_not_open");
  // A float of 150.00: one 100, two 20s, five 2s.
  auto opened = lane.post("/v1/tills", {{"till", "T1"}, {"float", {{"10000", 1}, {"2000", 2}, {"200", 5}}}});
  REQUIRE(opened.status == 201);
  CHECK(opened.json()["float"] == 15000);
  CHECK(error_code(lane.post("/v1/tills", {{"till", "T1"}, {"float", {{"100", 1}}}})) == "till_open");
  CHECK(error_code(lane.post("/v1/tills", {{"till", "T2"}, {"float", {{"100", 1}}}})) == "lane_has_till");
  // Blind: the lane sees no figures before the count.
  auto seen = lane.get("/v1/tills/T1").json();
  CHECK(seen["terminal"] == "lane-1");
  CHECK(!seen.contains("figures"));

  // A cash sale of 2.89 (5.00 handed over, 2.11 change), a card sale, a cash sale voided, a return in cash.
  std::string id = lane.open_basket();
  lane.scan(id, {"BREAD"});
  REQUIRE(lane.pay_cash_and_complete(id, 500).status == 200);  // receipt 1: cash 289
  id = lane.open_basket();
  lane.scan(id, {"WINE-RED"});
  REQUIRE(lane.post("/v1/baskets/" + id + "/tenders", {{"type", "card"}, {"amount", 899}, {"approval_ref", "A1"}, {"masked_pan", "4242"}}).status == 200);
  REQUIRE(lane.post("/v1/baskets/" + id + "/complete").status == 200);  // receipt 2: card
  id = lane.open_basket();
  lane.scan(id, {"MILK-1L"});  // 0.99
  REQUIRE(lane.pay_cash_and_complete(id).status == 200);  // receipt 3: cash 99
  REQUIRE(lane.post("/v1/sales/3/void", nullptr, test::kSupervisorOverride).status == 200);
  REQUIRE(lane.post("/v1/returns", {{"receipt_no", 1}, {"lines", {{{"line", 1}, {"qty", 1}}}}}).status == 201);  // cash 289 back
  // Expected so far: 150.00 + 2.89 + 0.99 − 0.99 − 2.89 = 150.00.

  // Paid out: a reason from the store's list, never more than the till holds.
  CHECK(error_code(lane.post("/v1/tills/T1/movements", {{"type", "paid_out"}, {"amount", 2000}})) == "reason_required");
  auto too_much = lane.post("/v1/tills/T1/movements", {{"type", "paid_out"}, {"amount", 15001}, {"reason", "WINDOW_CLEANER"}});
  CHECK(too_much.status == 409);
  CHECK(error_code(too_much) == "till_short");
  CHECK(too_much.body.find("15000") == std::string::npos);  // blind: not even a refusal says what it holds
  // Nor does the X while the till is open.
  const json open_row = lane.get("/v1/reports/x").json()["tills"].at(0);
  CHECK(open_row["open"] == true);
  CHECK(!open_row.contains("expected"));
  CHECK(!open_row.contains("figures"));
  CHECK(error_code(lane.post("/v1/tills/T1/movements", {{"type", "lend"}, {"amount", 100}})) == "invalid_request");
  REQUIRE(lane.post("/v1/tills/T1/movements", {{"type", "paid_out"}, {"amount", 2000}, {"reason", "WINDOW_CLEANER"}}).status == 201);
  REQUIRE(lane.post("/v1/tills/T1/movements", {{"type", "drop"}, {"amount", 10000}}).status == 201);
  REQUIRE(office.post("/v1/tills/T1/movements", {{"type", "loan"}, {"amount", 500}}).status == 201);
  // Expected: 150.00 − 20.00 − 100.00 + 5.00 = 35.00.

  // The count: 34.80 (a 20, a 10, two 2s, 80 cents): 0.20 short.
  auto closed = lane.post("/v1/tills/T1/close", {{"counted", {{"2000", 1}, {"1000", 1}, {"200", 2}, {"50", 1}, {"20", 1}, {"10", 1}}}});
  REQUIRE(closed.status == 201);
  const json c = closed.json();
  CHECK(c["expected"] == 3500);
  CHECK(c["counted_total"] == 3480);
  CHECK(c["over_short"] == -20);
  CHECK(c["figures"] == json({{"float", 15000}, {"cash_sales", 388}, {"cash_refunds", 289}, {"voided_cash", 99}, {"paid_in", 0},
                              {"paid_out", 2000}, {"drops", 10000}, {"pickups", 0}, {"loans", 500}, {"expected", 3500}}));
  CHECK(error_code(lane.post("/v1/tills/T1/close", {{"counted", {{"2000", 1}}}})) == "till_not_open");

  // The journal alone gives the same: its events replayed through the tally.
  const auto events = test::journal_events(node.db_path());
  uint64_t opened_seq = 0;
  for (const Event& e : events) {
    if (e.type == "till_opened") opened_seq = e.seq;
  }
  REQUIRE(opened_seq > 0);
  TillTally again("T1", "lane-1", 15000);
  for (const Event& e : events) {
    if (e.seq <= opened_seq || e.type == "till_closed") continue;
    REQUIRE(again.add(e.type, e.payload, [&](int64_t receipt) -> Result<int64_t> {
      for (const Event& s : events) {
        if (s.type == "sale" && s.payload["receipt_no"] == receipt) return cash_applied(s.payload);
      }
      return Status::not_found("no sale");
    }));
  }
  CHECK(again.figures().expected() == 3500);

  // The Z shows the till with its over/short.
  auto z = lane.post("/v1/reports/z", nullptr, test::kSupervisorOverride);
  REQUIRE(z.status == 201);
  REQUIRE(z.json()["tills"].size() == 1);
  json row = z.json()["tills"][0];
  CHECK(row["figures"] == c["figures"]);  // its cash sales, refunds, voids and moves
  row.erase("figures");
  CHECK(row == json({{"till", "T1"}, {"terminal", "lane-1"}, {"float", 15000}, {"open", false}, {"expected", 3500},
                     {"counted", 3480}, {"over_short", -20}}));
  // The next day's X starts without it.
  CHECK(lane.get("/v1/reports/x").json()["tills"].empty());
}

TEST_CASE("a till is handled at its own lane, or by a supervisor", "[tills]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  test::Lane office(node.port(), test::kSupervisorToken);
  REQUIRE(office.post("/v1/tills", {{"till", "OFFICE"}, {"float", {{"5000", 1}}}}).status == 201);
  CHECK(error_code(lane.post("/v1/tills/OFFICE/movements", {{"type", "paid_in"}, {"amount", 100}})) == "supervisor_required");
  CHECK(error_code(lane.post("/v1/tills/OFFICE/close", {{"counted", {{"5000", 1}}}})) == "supervisor_required");
  // Not blind here: the figures are shown.
  CHECK(lane.get("/v1/tills/OFFICE").json()["figures"]["expected"] == 5000);
  auto x = lane.get("/v1/reports/x").json();
  REQUIRE(x["tills"].size() == 1);
  CHECK(x["tills"][0]["open"] == true);
  CHECK(x["tills"][0]["expected"] == 5000);
}
