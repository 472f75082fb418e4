// Operators at the lanes, over a real socket: signing on with a PIN, every
// event the lane causes recording them, approvals by PIN, the lockout after
// five wrong PINs, locking a lane and taking it over, and a store that sells
// only with an operator signed on.
#include <catch2/catch.hpp>

#include "base/pin.h"
#include "storage/store_tables.h"
#include "tests/daemon/node.h"
#include "tests/support/store_clock.h"

using namespace posd;
using json = nlohmann::json;

namespace {


// ann (cashier, 1234), sam (supervisor, 5678), max (manager, 9999).
void provision(Journal& journal) {
  REQUIRE(journal.write([](WriteContext& ctx) -> Result<std::vector<Entry>> {
    for (const auto& [id, role, pin] : {std::tuple{"ann", "cashier", "1234"}, std::tuple{"sam", "supervisor", "5678"},
                                        std::tuple{"max", "manager", "9999"}}) {
      if (Status s = operators::put(ctx.db, {id, id, role, hash_pin(pin), "posctl"}); !s) return s;
    }
    return std::vector<Entry>{};
  }));
}

test::HttpResult sign_on(const test::Lane& lane, const std::string& id, const std::string& pin) {
  return lane.post("/v1/operator/sign-on", {{"operator", id}, {"pin", pin}});
}

}  // namespace

TEST_CASE("an operator signs on with a PIN, and every event the lane causes records them", "[operators]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  provision(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  CHECK(lane.get("/v1/operator").json()["operator"].is_null());
  CHECK(error_code(sign_on(lane, "nobody", "1234")) == "operator_not_found");
  CHECK(error_code(sign_on(lane, "ann", "12a4")) == "invalid_request");
  auto wrong = sign_on(lane, "ann", "4321");
  CHECK(wrong.status == 403);
  CHECK(error_code(wrong) == "pin_wrong");
  CHECK_THAT(wrong.body, Catch::Contains("4 more") && !Catch::Contains("4321"));
  auto on = sign_on(lane, "ann", "1234");
  REQUIRE(on.status == 200);
  CHECK(on.json() == json({{"terminal", "lane-1"}, {"operator", "ann"}, {"name", "ann"}, {"role", "cashier"}, {"locked", false}}));
  CHECK(lane.get("/v1/status").json()["operator"] == "ann");

  const std::string id = lane.open_basket();
  lane.scan(id, {"BREAD"});
  REQUIRE(lane.pay_cash_and_complete(id).status == 200);
  CHECK(lane.get("/v1/sales/1").json()["operator"] == "ann");
  auto sales = test::journal_events(node.db_path(), "sale");
  REQUIRE(sales.size() == 1);
  CHECK(sales[0].payload["operator"] == "ann");

  // Ann is a cashier: a void needs a supervisor's or manager's id and PIN on the request.
  CHECK(error_code(lane.post("/v1/sales/1/void")) == "supervisor_required");
  CHECK(error_code(lane.post("/v1/sales/1/void", nullptr, {{"X-Approver-Id", "ann"}, {"X-Approver-Pin", "1234"}})) == "approver_not_supervisor");
  CHECK(error_code(lane.post("/v1/sales/1/void", nullptr, {{"X-Approver-Id", "sam"}, {"X-Approver-Pin", "0000"}})) == "pin_wrong");
  CHECK(lane.get("/v1/sales/1").json()["status"] == "completed");
  REQUIRE(lane.post("/v1/sales/1/void", nullptr, {{"X-Approver-Id", "sam"}, {"X-Approver-Pin", "5678"}}).status == 200);
  auto voided = test::journal_events(node.db_path(), "sale_voided");
  REQUIRE(voided.size() == 1);
  CHECK(voided[0].payload["operator"] == "ann");
  CHECK(voided[0].payload["approved_by"] == "sam");
  // The X has her section: what she rang up and voided (with Sam's approval).
  auto x = lane.get("/v1/reports/x").json();
  REQUIRE(x["operators"].size() == 1);
  CHECK(x["operators"][0] == json({{"operator", "ann"}, {"sale_count", 1}, {"sales_total", 289}, {"manual_discount_total", 0},
                                   {"void_count", 1}, {"voided_total", 289}, {"return_count", 0}, {"refund_total", 0},
                                   {"no_sale_count", 0}}));
  // Every event the lane caused names her: the sign-on, the sale, the void.
  for (const Event& e : test::journal_events(node.db_path())) {
    if (e.type == "operator_signed_on" || e.type == "sale" || e.type == "sale_voided") CHECK(e.payload["operator"] == "ann");
  }

  REQUIRE(lane.post("/v1/operator/sign-off").status == 200);
  CHECK(lane.get("/v1/operator").json()["operator"].is_null());
  CHECK(test::journal_events(node.db_path(), "operator_signed_off").at(0).payload["operator"] == "ann");
  CHECK(error_code(lane.post("/v1/operator/sign-off")) == "no_operator");
}

TEST_CASE("five wrong PINs in a row lock the operator for the configured time, journaled", "[operators]") {
  test::StoreClock clock;
  clock.set_day("2026-12-03", "10:00:00");
  test::Node node({}, [](json& c) { c["operator_lockout_minutes"] = 15; }, clock);
  provision(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  test::Lane other(node.port(), test::kSupervisorToken);
  for (int i = 0; i < 3; ++i) CHECK(error_code(sign_on(lane, "ann", "0000")) == "pin_wrong");
  CHECK_THAT(sign_on(other, "ann", "0000").body, Catch::Contains("1 more"));  // tries at two lanes add up
  auto fifth = sign_on(lane, "ann", "0000");
  CHECK(error_code(fifth) == "operator_locked");
  auto locked = test::journal_events(node.db_path(), "operator_locked");
  REQUIRE(locked.size() == 1);
  CHECK(locked[0].payload["operator"] == "ann");
  CHECK(locked[0].payload["until"] == "2026-12-03T10:15:00.000Z");
  // Locked: even the right PIN is refused, until the time has passed.
  CHECK_THAT(sign_on(lane, "ann", "1234").body, Catch::Contains("locked until 2026-12-03T10:15:00.000Z"));
  clock.advance(std::chrono::minutes(15));
  REQUIRE(sign_on(lane, "ann", "1234").status == 200);
  // The count starts again after a right PIN.
  CHECK_THAT(sign_on(other, "ann", "0000").body, Catch::Contains("4 more"));

  // Locked again: sending the operator again with the same PIN (a new name)
  // keeps the lock; a new PIN clears it.
  for (int i = 0; i < 4; ++i) sign_on(lane, "ann", "0000");
  REQUIRE(error_code(sign_on(lane, "ann", "1234")) == "operator_locked");
  auto db = sql::Db::open(node.db_path(), sql::Db::Mode::read_only);
  REQUIRE(db);
  const std::string hash = (*operators::find(*db, "ann"))->pin_hash;
  REQUIRE(node.journal().write([&](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (Status s = operators::put(ctx.db, {"ann", "Ann Example", "cashier", hash, "hq"}); !s) return s;
    return std::vector<Entry>{};
  }));
  CHECK(error_code(sign_on(lane, "ann", "1234")) == "operator_locked");
  REQUIRE(node.journal().write([&](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (Status s = operators::put(ctx.db, {"ann", "Ann Example", "cashier", hash_pin("2468"), "hq"}); !s) return s;
    return std::vector<Entry>{};
  }));
  CHECK(sign_on(lane, "ann", "2468").status == 200);
}

TEST_CASE("an operator removed or given another role while signed on stops acting in the old one", "[operators]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  provision(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  REQUIRE(sign_on(lane, "sam", "5678").status == 200);
  CHECK(lane.get("/v1/status").json()["role"] == "supervisor");
  auto put = [&](const operators::Row& r) {
    REQUIRE(node.journal().write([&](WriteContext& ctx) -> Result<std::vector<Entry>> {
      if (Status s = operators::put(ctx.db, r); !s) return s;
      return std::vector<Entry>{};
    }));
  };
  auto db = sql::Db::open(node.db_path(), sql::Db::Mode::read_only);
  REQUIRE(db);
  put({"sam", "sam", "cashier", (*operators::find(*db, "sam"))->pin_hash, "hq"});
  CHECK(lane.get("/v1/status").json()["role"] == "cashier");
  CHECK(error_code(lane.post("/v1/drawer/open")) == "supervisor_required");
  REQUIRE(node.journal().write([](WriteContext& ctx) -> Result<std::vector<Entry>> {
    auto gone = operators::remove(ctx.db, "sam");
    if (!gone) return gone.status();
    return std::vector<Entry>{};
  }));
  CHECK(lane.get("/v1/status").json().contains("operator") == false);
  CHECK(lane.get("/v1/operator").json()["operator"].is_null());
}

TEST_CASE("a lane locked by its operator opens to their PIN, and another operator takes it over", "[operators]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  provision(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  CHECK(error_code(lane.post("/v1/operator/lock")) == "no_operator");
  REQUIRE(sign_on(lane, "ann", "1234").status == 200);
  const std::string id = lane.open_basket();
  REQUIRE(lane.post("/v1/operator/lock").json()["locked"] == true);
  CHECK(error_code(lane.post("/v1/baskets")) == "lane_locked");
  CHECK(error_code(lane.post("/v1/baskets/" + id + "/lines", {{"code", "BREAD"}})) == "lane_locked");
  CHECK(lane.get("/v1/status").status == 200);
  CHECK(error_code(lane.post("/v1/operator/unlock", {{"pin", "5678"}})) == "pin_wrong");  // sam's PIN is not ann's
  REQUIRE(lane.post("/v1/operator/unlock", {{"pin", "1234"}}).status == 200);
  CHECK(lane.scan(id, {"BREAD"}).status == 200);
  CHECK(error_code(lane.post("/v1/operator/unlock", {{"pin", "1234"}})) == "lane_not_locked");

  REQUIRE(lane.post("/v1/operator/lock").status == 200);
  // Nobody opens a locked lane by signing its operator off.
  CHECK(error_code(lane.post("/v1/operator/sign-off")) == "lane_locked");
  CHECK(lane.get("/v1/operator").json()["locked"] == true);
  auto took = sign_on(lane, "sam", "5678");
  REQUIRE(took.status == 200);
  CHECK(took.json()["operator"] == "sam");
  CHECK(took.json()["locked"] == false);
  auto over = test::journal_events(node.db_path(), "operator_took_over");
  REQUIRE(over.size() == 1);
  CHECK(over[0].payload == json({{"terminal", "lane-1"}, {"operator", "sam"}, {"role", "supervisor"}, {"from", "ann"}}));
  // Sam is a supervisor: the lane acts in his role, at a cashier's terminal.
  CHECK(lane.get("/v1/status").json()["role"] == "supervisor");
  CHECK(lane.post("/v1/drawer/open").status == 200);
  CHECK(test::journal_events(node.db_path(), "no_sale").at(0).payload["approved_by"] == "sam");
  // The basket ann left is still the lane's.
  CHECK(lane.get("/v1/baskets/" + id).json()["lines"].size() == 1);
}

TEST_CASE("a store that requires operators sells only with one signed on, and each role has its own limits", "[operators]") {
  test::Node node({}, [](json& c) {
    c["operators_required"] = true;
    c["role_limits"] = {{"supervisor", {{"max_discount_bp", 2000}}}, {"manager", {{"max_discount_bp", 5000}}}};
  });
  test::load_demo_catalog(node.journal());
  provision(node.journal());
  test::Lane lane(node.port(), test::kSupervisorToken);
  auto refused = lane.post("/v1/baskets");
  CHECK(refused.status == 403);
  CHECK(error_code(refused) == "operator_required");
  CHECK(lane.get("/v1/status").status == 200);
  REQUIRE(sign_on(lane, "sam", "5678").status == 200);
  const std::string id = lane.open_basket();
  lane.scan(id, {"WINE-RED"});
  const std::string line = "/v1/baskets/" + id + "/lines/1";
  CHECK(error_code(lane.send("PATCH", line, {{"discount", {{"percent_bp", 5000}}}})) == "discount_over_limit");
  REQUIRE(sign_on(lane, "max", "9999").status == 200);
  auto given = lane.send("PATCH", line, {{"discount", {{"percent_bp", 5000}}}});
  REQUIRE(given.status == 200);
  CHECK(given.json()["total"] == 449);  // 8.99 − 4.50 (4.495 rounded half up)
}
