// The store's local day through a real node: events are stamped with the
// business day of the store's zone and turn (a sale after midnight, before
// the 04:00 turn, belongs to the day before; so does one on a DST night);
// with z_before_next_day the first sale or return of a new business day is
// refused until the day before has its Z, and nothing changes; a zone or a
// turn posd cannot use stops it at start, naming the key.
#include <catch2/catch.hpp>

#include "storage/journal.h"
#include "tests/daemon/node.h"
#include "tests/support/store_clock.h"

using namespace posd;
using json = nlohmann::json;

namespace {


// A basket of bread, paid in cash; the completion's answer.
test::HttpResult sell_bread(const test::Lane& lane, std::string* basket = nullptr) {
  const std::string id = lane.open_basket();
  lane.scan(id, {"BREAD"});
  REQUIRE(lane.post("/v1/baskets/" + id + "/tenders", {{"type", "cash"}, {"amount", 500}}).status == 200);
  if (basket) *basket = id;
  return lane.post("/v1/baskets/" + id + "/complete");
}

std::string day_of_sale(test::Node& node, int64_t receipt_no) {
  for (const Event& e : test::journal_events(node.db_path(), "sale")) {
    if (e.payload["receipt_no"] == receipt_no) return e.business_day;
  }
  return "";
}

}  // namespace

TEST_CASE("events carry the business day of the store's zone and turn, across a DST night", "[checkout][localday]") {
  test::StoreClock clock;
  test::Node node({}, [](json& c) {
    c["time_zone"] = "Europe/Paris";
    c["business_day_starts"] = "04:00";
  }, clock);
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  struct Case {
    const char* utc_day;
    const char* utc_time;
    const char* business_day;
    const char* what;
  };
  const Case cases[] = {
      {"2026-07-15", "21:59:00", "2026-07-15", "23:59 CEST"},
      {"2026-07-15", "22:01:00", "2026-07-15", "00:01 CEST, before the 04:00 turn"},
      {"2026-07-16", "02:00:00", "2026-07-16", "04:00 CEST"},
      {"2026-03-29", "01:59:00", "2026-03-28", "03:59 CEST on the night the clocks go forward"},
      {"2026-03-29", "02:00:00", "2026-03-29", "04:00 CEST"},
      {"2026-10-25", "02:59:00", "2026-10-24", "03:59 CET on the night the clocks go back"},
      {"2026-10-25", "03:00:00", "2026-10-25", "04:00 CET"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    clock.set_day(c.utc_day, c.utc_time);
    auto sold = sell_bread(lane);
    REQUIRE(sold.status == 200);
    CHECK(day_of_sale(node, sold.json()["receipt_no"]) == c.business_day);
    CHECK(lane.get("/v1/status").json()["business_day"] == c.business_day);
  }
}

TEST_CASE("with z_before_next_day a new business day sells nothing until the day before has its Z, and the refusal changes nothing", "[checkout][localday]") {
  test::StoreClock clock;
  clock.set_day("2026-11-20", "20:00:00");  // 15:00 in New York
  test::Node node({}, [](json& c) {
    c["time_zone"] = "America/New_York";
    c["business_day_starts"] = "03:00";
    c["z_before_next_day"] = true;
  }, clock);
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  auto first = sell_bread(lane);
  REQUIRE(first.status == 200);
  clock.set_day("2026-11-21", "07:30:00");  // 02:30 EST: still the 20th
  REQUIRE(sell_bread(lane).status == 200);

  clock.set_day("2026-11-21", "13:00:00");  // 08:00 EST on the 21st
  const uint64_t head = node.journal().last_seq();
  std::string basket;
  auto refused = sell_bread(lane, &basket);
  CHECK(refused.status == 409);
  CHECK(refused.json()["error"]["code"] == "z_required");
  CHECK_THAT(refused.json()["error"]["message"].get<std::string>(), Catch::Contains("2026-11-20"));
  auto ret = lane.post("/v1/returns", {{"receipt_no", first.json()["receipt_no"]}, {"lines", {{{"line", 1}, {"qty", 1}}}}});
  CHECK(ret.status == 409);
  CHECK(ret.json()["error"]["code"] == "z_required");
  CHECK(node.journal().last_seq() == head);  // nothing journaled
  CHECK(lane.get("/v1/baskets/" + basket).json()["state"] == "open");  // the basket waits, paid

  auto z = lane.post("/v1/reports/z", nullptr, test::kSupervisorOverride);
  REQUIRE(z.status == 201);
  CHECK(z.json()["sale_count"] == 2);
  auto sold = lane.post("/v1/baskets/" + basket + "/complete");
  REQUIRE(sold.status == 200);
  CHECK(day_of_sale(node, sold.json()["receipt_no"]) == "2026-11-21");
  CHECK(lane.post("/v1/returns", {{"receipt_no", first.json()["receipt_no"]}, {"lines", {{{"line", 1}, {"qty", 1}}}}}).status == 201);
}

TEST_CASE("without z_before_next_day a new business day sells at once", "[checkout][localday]") {
  test::StoreClock clock;
  clock.set_day("2026-11-20", "12:00:00");
  test::Node node({}, [](json& c) { c["time_zone"] = "Europe/Paris"; }, clock);
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  REQUIRE(sell_bread(lane).status == 200);
  clock.set_day("2026-11-21", "12:00:00");
  CHECK(sell_bread(lane).status == 200);
}
