// A basket outlives posd: whether posd stops (SIGTERM) or dies (SIGKILL),
// the next start takes up every open and parked basket with its lines, the
// lines taken off it and its tenders (the basket store beside the journal,
// storage/basket_store.h). A basket whose sale reached the journal is never
// taken up again; one holding a card approval that the basket store lost (a
// power cut) is journaled as basket_abandoned "lost"; lines taken off a
// basket are journaled with it.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>

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

namespace {

json basket_named(const json& list, const std::string& id) {
  for (const json& b : list["baskets"]) {
    if (b["id"] == id) return b;
  }
  return nullptr;
}

// A demo store's directory, database and configuration; posd started on it.
struct DemoStore {
  test::TempDir dir;
  std::string db = dir.file("s.db");
  DemoStore() {
    test::make_demo_store(dir);
    test::write_text(dir.file("posd.json"), test::base_config(db).dump());
  }
  test::Child start() const { return test::Child({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path()); }
};

// The basket store's files, copied aside or back (posd stopped).
void copy_store(const std::string& from, const std::string& to) {
  for (const char* ext : {"", "-wal"}) {
    std::filesystem::remove(to + ext);
    if (std::filesystem::exists(from + ext)) std::filesystem::copy_file(from + ext, to + ext);
  }
  std::filesystem::remove(to + "-shm");
}

}  // namespace

TEST_CASE("the next start takes up every open and parked basket as posd left it, whether it stopped or died", "[process][journal]") {
  DemoStore demo;
  const std::string& db = demo.db;
  const int sig = GENERATE(SIGTERM, SIGKILL);
  INFO("signal " << sig);

  std::string card, parked, empty;
  {
    test::Child posd = demo.start();
    test::Lane lane(test::await_serving(posd), test::kCashierToken);
    card = basket_with_card(lane);
    parked = lane.open_basket();
    lane.scan(parked, {"MILK-1L", "PEN-BLUE"});
    REQUIRE(lane.post("/v1/baskets/" + parked + "/suspend").status == 200);
    empty = lane.open_basket();
    posd.signal(sig);
    posd.wait();
  }
  test::Child posd = demo.start();
  test::Lane lane(test::await_serving(posd), test::kCashierToken);
  CHECK(posd.wait_for_err("3 basket(s) taken up where posd last left them"));
  auto listed = lane.get("/v1/baskets");
  REQUIRE(listed.status == 200);
  const json all = json::parse(listed.body);
  CHECK(all["baskets"].size() == 3);
  const json c = basket_named(all, card);
  REQUIRE(c.is_object());
  CHECK(c["state"] == "open");
  REQUIRE(c["lines"].size() == 1);
  CHECK(c["lines"][0]["sku"] == "BREAD");
  REQUIRE(c["tenders"].size() == 1);
  CHECK(c["tenders"][0]["approval_ref"] == "AUTH-LOST");
  CHECK(c["tenders"][0]["masked_pan"] == "************4242");
  CHECK(c["paid"] == 100);
  REQUIRE(c["removed_lines"].size() == 1);
  CHECK(c["removed_lines"][0]["sku"] == "WINE-RED");
  const json p = basket_named(all, parked);
  REQUIRE(p.is_object());
  CHECK(p["state"] == "suspended");
  CHECK(p["lines"].size() == 2);
  CHECK(basket_named(all, empty).is_object());
  CHECK(test::journal_events(db, "basket_abandoned").empty());

  // The basket taken up is sold like any other: the card tender from before
  // the restart and the cash now, the removed line on the sale's record.
  auto sold = lane.pay_cash_and_complete(card);
  REQUIRE(sold.status == 200);
  auto sales = test::journal_events(db, "sale");
  REQUIRE(sales.size() == 1);
  CHECK(sales[0].payload["basket_id"] == card);
  CHECK(sales[0].payload["tenders"].size() == 2);
  CHECK(sales[0].payload["removed_lines"].size() == 1);
  REQUIRE(lane.post("/v1/baskets/" + parked + "/resume").status == 200);
  CHECK(json::parse(lane.get("/v1/baskets/" + parked).body)["lines"].size() == 2);
  posd.signal(SIGTERM);
  REQUIRE(posd.wait() == 0);
}

TEST_CASE("a basket whose sale reached the journal is not taken up again, though posd died before it left the basket store", "[process][journal]") {
  DemoStore demo;
  const std::string& db = demo.db;
  const test::TempDir& dir = demo.dir;
  const std::string store = db + ".baskets";
  std::string id;
  {
    test::Child posd = demo.start();
    test::Lane lane(test::await_serving(posd), test::kCashierToken);
    id = basket_with_card(lane);
    posd.signal(SIGKILL);
    posd.wait();
  }
  copy_store(store, dir.file("aside"));  // the basket store as it was before the sale
  {
    test::Child posd = demo.start();
    test::Lane lane(test::await_serving(posd), test::kCashierToken);
    REQUIRE(lane.pay_cash_and_complete(id).status == 200);
    posd.signal(SIGTERM);
    REQUIRE(posd.wait() == 0);
  }
  // As if posd had died between the sale's commit and the basket's removal.
  copy_store(dir.file("aside"), store);
  test::Child posd = demo.start();
  test::Lane lane(test::await_serving(posd), test::kCashierToken);
  CHECK(json::parse(lane.get("/v1/baskets").body)["baskets"].empty());
  CHECK(lane.get("/v1/baskets/" + id).status == 404);
  CHECK(lane.post("/v1/baskets/" + id + "/complete", nullptr, {{"Idempotency-Key", "again"}}).status == 404);
  CHECK(test::journal_events(db, "sale").size() == 1);
  CHECK(test::journal_events(db, "basket_abandoned").empty());
  posd.signal(SIGTERM);
  REQUIRE(posd.wait() == 0);
}

TEST_CASE("a card approval outlives the basket store's last moments (a power cut): taken up from the journal's copy, or journaled as lost once when an older posd kept no copy", "[process][journal]") {
  DemoStore demo;
  const std::string& db = demo.db;
  const test::TempDir& dir = demo.dir;
  const std::string store = db + ".baskets";
  std::string id;
  {
    test::Child posd = demo.start();
    test::Lane lane(test::await_serving(posd), test::kCashierToken);
    id = lane.open_basket();
    lane.scan(id, {"BREAD", "WINE-RED"});
    REQUIRE(lane.del("/v1/baskets/" + id + "/lines/2").status == 200);
    posd.signal(SIGKILL);
    posd.wait();
  }
  copy_store(store, dir.file("aside"));  // the basket store before the tender
  {
    test::Child posd = demo.start();
    test::Lane lane(test::await_serving(posd), test::kCashierToken);
    REQUIRE(lane.post("/v1/baskets/" + id + "/tenders",
                      {{"type", "card"}, {"amount", 100}, {"approval_ref", "AUTH-LOST"}, {"masked_pan", "************4242"}}).status == 200);
    posd.signal(SIGKILL);
    posd.wait();
  }
  SECTION("the basket store lost the tender") { copy_store(dir.file("aside"), store); }
  SECTION("the basket store lost the whole basket") {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(store + ext);
  }
  SECTION("an older posd kept the basket with no state, and the basket store lost it") {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(store + ext);
    auto w = sql::Db::open(db);
    REQUIRE(w);
    REQUIRE(w->exec("UPDATE basket_kept SET record = json_remove(record, '$.state')"));
    test::Child posd = demo.start();
    test::await_serving(posd);
    CHECK(posd.wait_for_err("1 basket(s) with a tender, lost when posd last stopped, journaled as abandoned"));
    auto abandoned = test::journal_events(db, "basket_abandoned");
    REQUIRE(abandoned.size() == 1);
    check_abandoned(abandoned[0], id, "lost");
    CHECK(!abandoned[0].payload.contains("state"));
    posd.signal(SIGTERM);
    REQUIRE(posd.wait() == 0);
    test::Child again = demo.start();
    test::await_serving(again);
    again.signal(SIGTERM);
    REQUIRE(again.wait() == 0);
    CHECK(test::journal_events(db, "basket_abandoned").size() == 1);  // once, not again at the next start
    return;
  }
  test::Child posd = demo.start();
  test::Lane lane(test::await_serving(posd), test::kCashierToken);
  auto got = lane.get("/v1/baskets/" + id);
  REQUIRE(got.status == 200);
  const json b = got.json();
  REQUIRE(b["tenders"].size() == 1);
  CHECK(b["tenders"][0]["approval_ref"] == "AUTH-LOST");
  CHECK(b["lines"].size() == 1);
  CHECK(b["removed_lines"].size() == 1);
  CHECK(test::journal_events(db, "basket_abandoned").empty());
  REQUIRE(lane.pay_cash_and_complete(id).status == 200);
  CHECK(test::journal_events(db, "sale")[0].payload["tenders"].size() == 2);
  posd.signal(SIGTERM);
  REQUIRE(posd.wait() == 0);
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
  auto store = sql::Db::open(node.db_path() + ".baskets", sql::Db::Mode::read_only);
  REQUIRE(store);
  CHECK(store->query_int("SELECT COUNT(*) FROM basket")->value_or(-1) == 0);
}
