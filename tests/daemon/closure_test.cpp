// Monthly and yearly closures: a month closes once the business day is past
// it (by POST /v1/reports/closures, or at the first Z after it), summing its
// Zs; a year closes over its months; each is a signed journal event whose
// seq:hash is an anchor `posctl journal verify --anchor` checks.
#include <catch2/catch.hpp>

#include <signal.h>

#include <atomic>

#include "storage/journal.h"
#include "tests/daemon/node.h"
#include "tests/support/store_clock.h"
#include "tests/support/process.h"

using namespace posd;
using json = nlohmann::json;

namespace {


// A sale of bread (2.89) paid in cash.
void sell_bread_in_cash(const test::Lane& lane) {
  const std::string id = lane.open_basket();
  lane.scan(id, {"BREAD"});
  REQUIRE(lane.pay_cash_and_complete(id).status == 200);
}

json take_z(const test::Lane& lane) {
  auto z = lane.post("/v1/reports/z", nullptr, test::kSupervisorOverride);
  INFO(z.body);
  REQUIRE(z.status == 201);
  return z.json();
}

}  // namespace

TEST_CASE("months and years close over their Zs: sums, anchors, order, and a clock that went back", "[checkout][journal]") {
  test::StoreClock clock;
  clock.set_day("2026-10-30");
  test::Node node({}, {}, clock);
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);

  sell_bread_in_cash(lane);
  const json z1 = take_z(lane);
  clock.set_day("2026-10-31");
  sell_bread_in_cash(lane);
  sell_bread_in_cash(lane);
  const json z2 = take_z(lane);
  CHECK_FALSE(z2.contains("closures"));  // October is not over

  // A cashier may not close a period; nothing to close while October runs.
  CHECK(lane.post("/v1/reports/closures").json()["error"]["code"] == "supervisor_required");
  auto none = lane.post("/v1/reports/closures", nullptr, test::kSupervisorOverride);
  CHECK(none.status == 200);
  CHECK(none.json()["closures"].empty());

  clock.set_day("2026-11-01");
  auto closed = lane.post("/v1/reports/closures", nullptr, test::kSupervisorOverride);
  REQUIRE(closed.status == 201);
  REQUIRE(closed.json()["closures"].size() == 1);
  const json october = closed.json()["closures"][0];
  CHECK(october["report"] == "month");
  CHECK(october["month"] == "2026-10");
  CHECK(october["closure_no"] == 1);
  CHECK(october["sale_count"] == 3);
  CHECK(october["sales_total"] == 3 * 289);
  CHECK(october["net_total"] == 3 * 289);
  CHECK(october["grand_total"] == z2["grand_total"]);
  CHECK(october["receipts"] == json({{"first", 1}, {"last", 3}}));
  CHECK(october["tenders"] == json::array({{{"type", "cash"}, {"sales", 867}, {"refunds", 0}, {"net", 867}}}));
  CHECK(october["closes"] == json::array({{{"z_no", 1}, {"business_day", "2026-10-30"}, {"seq", z1["seq"]}},
                                          {{"z_no", 2}, {"business_day", "2026-10-31"}, {"seq", z2["seq"]}}}));
  CHECK(october["journal"]["anchor"] == october["seq"].dump() + ":" + october["journal"]["hash"].get<std::string>());
  // A month closes once.
  CHECK(lane.post("/v1/reports/closures", nullptr, test::kSupervisorOverride).json()["closures"].empty());

  sell_bread_in_cash(lane);
  const json z3 = take_z(lane);
  CHECK_FALSE(z3.contains("closures"));

  // The first Z of 2027 closes November, then the year 2026, then the day.
  clock.set_day("2027-01-03");
  sell_bread_in_cash(lane);
  const json z4 = take_z(lane);
  REQUIRE(z4["closures"].size() == 2);
  const json november = z4["closures"][0];
  const json year = z4["closures"][1];
  CHECK(november["month"] == "2026-11");
  CHECK(november["closure_no"] == 2);
  CHECK(november["sale_count"] == 1);
  CHECK(november["closes"].size() == 1);
  CHECK(year["report"] == "year");
  CHECK(year["year"] == "2026");
  CHECK(year["closure_no"] == 1);
  CHECK(year["sale_count"] == 4);
  CHECK(year["sales_total"] == 4 * 289);
  CHECK(year["grand_total"] == z3["grand_total"]);
  CHECK(year["receipts"] == json({{"first", 1}, {"last", 4}}));
  CHECK(year["closes"] == json::array({{{"closure_no", 1}, {"month", "2026-10"}, {"seq", october["seq"]}},
                                       {{"closure_no", 2}, {"month", "2026-11"}, {"seq", november["seq"]}}}));
  CHECK(november["seq"].get<int64_t>() + 1 == year["seq"].get<int64_t>());
  CHECK(year["seq"].get<int64_t>() + 1 == z4["seq"].get<int64_t>());
  CHECK(z4["business_day"] == "2027-01-03");
  CHECK(z4["sale_count"] == 1);

  // The clock goes back into closed November: that Z joins the next month closed.
  clock.set_day("2026-11-15");
  sell_bread_in_cash(lane);
  const json z5 = take_z(lane);
  CHECK_FALSE(z5.contains("closures"));
  clock.set_day("2027-02-01");
  auto january = lane.post("/v1/reports/closures", nullptr, test::kSupervisorOverride).json()["closures"];
  REQUIRE(january.size() == 1);
  CHECK(january[0]["month"] == "2027-01");
  CHECK(january[0]["sale_count"] == 2);
  CHECK(january[0]["closes"].size() == 2);
  CHECK(january[0]["closes"][1]["business_day"] == "2026-11-15");

  // The clock runs ahead for one Z: that Z waits for its own month and holds up no other.
  clock.set_day("2027-06-15");
  sell_bread_in_cash(lane);
  const json z6 = take_z(lane);
  CHECK_FALSE(z6.contains("closures"));
  clock.set_day("2027-02-10");
  sell_bread_in_cash(lane);
  const json z7 = take_z(lane);
  clock.set_day("2027-03-02");
  auto february = lane.post("/v1/reports/closures", nullptr, test::kSupervisorOverride).json()["closures"];
  REQUIRE(february.size() == 1);
  CHECK(february[0]["month"] == "2027-02");
  CHECK(february[0]["closes"] == json::array({{{"z_no", 7}, {"business_day", "2027-02-10"}, {"seq", z7["seq"]}}}));

  // The journal holds each closure as signed; the list names them all.
  auto events = test::journal_events(node.db_path(), "period_closed");
  REQUIRE(events.size() == 5);
  CHECK(events[2].hash == year["journal"]["hash"]);
  CHECK(events[2].payload["year"] == "2026");
  CHECK_FALSE(events[2].payload.contains("journal"));
  CHECK_FALSE(events[2].payload.contains("seq"));
  auto listed = lane.get("/v1/reports/closures").json()["closures"];
  std::vector<std::string> kinds;
  for (const json& c : listed) kinds.push_back(c["kind"].get<std::string>() + c["no"].dump());
  CHECK(kinds == std::vector<std::string>{"day1", "day2", "month1", "day3", "month2", "year1", "day4", "day5", "month3",
                                          "day6", "day7", "month4"});
  CHECK(listed[0]["closed_by"] == october["seq"]);
  CHECK(listed[4]["closed_by"] == year["seq"]);
  CHECK_FALSE(listed[5].contains("closed_by"));

  // The year's anchor holds against the journal, and a wrong hash does not.
  const std::string anchor = year["journal"]["anchor"];
  auto ok = test::run({test::bin("posctl"), "journal", "verify", "--db", node.db_path(), "--anchor", anchor});
  CHECK(ok.exit_code == 0);
  std::string forged = anchor;
  forged.back() = forged.back() == '0' ? '1' : '0';
  auto bad = test::run({test::bin("posctl"), "journal", "verify", "--db", node.db_path(), "--anchor", forged});
  CHECK(bad.exit_code == 1);
}

TEST_CASE("a Z retried with its Idempotency-Key after a restart answers as first, anchor included, and closes nothing twice", "[process][journal]") {
  test::TempDir dir;
  test::make_demo_store(dir);
  test::write_text(dir.file("posd.json"), test::base_config(dir.file("s.db")).dump());
  const std::map<std::string, std::string> key = {{"X-Supervisor-Token", test::kSupervisorToken}, {"Idempotency-Key", "close-day-1"}};
  json first;
  {
    test::Child posd({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path());
    test::Lane lane(test::await_serving(posd), test::kCashierToken);
    sell_bread_in_cash(lane);
    auto z = lane.post("/v1/reports/z", nullptr, key);
    REQUIRE(z.status == 201);
    first = z.json();
    REQUIRE(first.contains("journal"));
    posd.signal(SIGTERM);
    REQUIRE(posd.wait() == 0);
  }
  test::Child posd({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path());
  test::Lane lane(test::await_serving(posd), test::kCashierToken);
  auto again = lane.post("/v1/reports/z", nullptr, key);
  REQUIRE(again.status == 201);
  CHECK(again.json()["z_no"] == first["z_no"]);
  CHECK(again.json()["journal"] == first["journal"]);
  CHECK(test::journal_events(dir.file("s.db"), "z_report").size() == 1);
}
