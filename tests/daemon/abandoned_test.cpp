// A basket never vanishes without a trace: one holding a card approval is
// journaled as basket_abandoned whether posd stops (SIGTERM), dies (SIGKILL:
// at the next start, from the basket kept on disk) or the basket expires;
// lines taken off a basket are journaled with it.
#include <catch2/catch.hpp>

#include <signal.h>

#include "storage/journal.h"
#include "tests/daemon/node.h"
#include "tests/support/process.h"

using namespace posd;
using json = nlohmann::json;

namespace {

// Opens a basket with bread and wine, takes the wine off, and pays part by
// card (approval AUTH-LOST). Returns the basket id.
std::string basket_with_card(const test::Lane& lane) {
  const std::string b = lane.open_basket();
  lane.scan(b, {"BREAD", "WINE-RED"});
  REQUIRE(lane.del("/v1/baskets/" + b + "/lines/2").status == 200);
  auto paid = lane.post("/v1/baskets/" + b + "/tenders",
                        {{"type", "card"}, {"amount", 100}, {"approval_ref", "AUTH-LOST"}, {"masked_pan", "************4242"}});
  REQUIRE(paid.status == 200);
  return b;
}

void check_abandoned(const Event& e, const std::string& id, const std::string& reason) {
  CHECK(e.payload["id"] == id);
  CHECK(e.payload["reason"] == reason);
  REQUIRE(e.payload["tenders"].size() == 1);
  CHECK(e.payload["tenders"][0]["approval_ref"] == "AUTH-LOST");
  CHECK(e.payload["tenders"][0]["masked_pan"] == "************4242");
  REQUIRE(e.payload["removed_lines"].size() == 1);
  CHECK(e.payload["removed_lines"][0]["sku"] == "WINE-RED");
  CHECK(e.payload["lines"].size() == 1);
}

}  // namespace

TEST_CASE("a basket holding a card approval is journaled when posd stops, and when it dies at the next start", "[process][journal]") {
  test::TempDir dir;
  test::make_demo_store(dir);
  test::write_text(dir.file("posd.json"), test::base_config(dir.file("s.db")).dump());
  const std::string db = dir.file("s.db");

  SECTION("SIGTERM") {
    test::Child posd({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path());
    test::Lane lane(test::await_serving(posd), test::kCashierToken);
    const std::string id = basket_with_card(lane);
    lane.open_basket();  // an empty basket leaves nothing to journal
    posd.signal(SIGTERM);
    REQUIRE(posd.wait() == 0);
    auto abandoned = test::journal_events(db, "basket_abandoned");
    REQUIRE(abandoned.size() == 1);
    check_abandoned(abandoned[0], id, "shutdown");
  }
  SECTION("SIGKILL, then a start") {
    std::string id;
    {
      test::Child posd({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path());
      test::Lane lane(test::await_serving(posd), test::kCashierToken);
      id = basket_with_card(lane);
      posd.signal(SIGKILL);
      posd.wait();
    }
    CHECK(test::journal_events(db, "basket_abandoned").empty());
    test::Child posd({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path());
    test::await_serving(posd);
    CHECK(posd.wait_for_err("1 basket(s) with a tender, lost when posd last stopped, journaled as abandoned"));
    auto abandoned = test::journal_events(db, "basket_abandoned");
    REQUIRE(abandoned.size() == 1);
    check_abandoned(abandoned[0], id, "lost");
    posd.signal(SIGTERM);
    REQUIRE(posd.wait() == 0);
    CHECK(test::journal_events(db, "basket_abandoned").size() == 1);  // once, not again at the next stop
  }
}

TEST_CASE("a sale journals the lines taken off its basket, and a completed basket is not kept", "[checkout][journal]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string b = basket_with_card(lane);
  REQUIRE(lane.pay_cash_and_complete(b).status == 200);
  auto sales = test::journal_events(node.db_path(), "sale");
  REQUIRE(sales.size() == 1);
  CHECK(sales[0].payload["removed_lines"] == json::array({{{"sku", "WINE-RED"}, {"name", sales[0].payload["removed_lines"][0]["name"]},
                                                           {"unit_price", 899}, {"qty", 1}}}));
  auto db = sql::Db::open(node.db_path(), sql::Db::Mode::read_only);
  CHECK(db->query_int("SELECT COUNT(*) FROM basket_kept")->value_or(-1) == 0);
}
