// posd started on a broken journal keeps serving reads and says where and
// why, but signs nothing: a changed event, a cut tail (with the marks beside
// the journal removed too, so that only the state tables disagree), a
// counter moved behind the journal's back.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <thread>

#include "storage/journal.h"
#include "tests/daemon/node.h"
#include "tests/support/process.h"

using namespace posd;

namespace {

struct Store {
  test::TempDir dir;
  Store() {
    test::make_demo_store(dir);
    test::write_text(dir.file("posd.json"), test::base_config(dir.file("s.db")).dump());
  }
  // Runs posd, sells `n` loaves, and stops it cleanly.
  void sell(int n) {
    test::Child posd({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path());
    test::Lane lane(test::await_serving(posd), test::kCashierToken);
    for (int i = 0; i < n; ++i) {
      const std::string b = lane.open_basket();
      lane.scan(b, {"BREAD"});
      REQUIRE(lane.pay_cash_and_complete(b).status == 200);
    }
    posd.signal(SIGTERM);
    REQUIRE(posd.wait() == 0);
  }
  void behind_the_back(const std::string& sql) {
    auto db = sql::Db::open(dir.file("s.db"));
    REQUIRE(db->exec("DROP TRIGGER IF EXISTS journal_no_update; DROP TRIGGER IF EXISTS journal_no_delete;"
                     "DROP TRIGGER IF EXISTS journal_gap_free;"));
    REQUIRE(db->exec(sql));
  }
  int64_t query(const std::string& sql) {
    auto db = sql::Db::open(dir.file("s.db"), sql::Db::Mode::read_only);
    return db->query_int(sql)->value_or(-1);
  }
};

// /readyz until it stops saying ready (the part of the chain below the
// checkpoint is checked beside the writer after start).
test::HttpResult readyz_when_broken(uint16_t port) {
  test::HttpResult r;
  for (int i = 0; i < 2000; ++i) {
    r = test::request(port, "GET", "/readyz");
    if (r.status != 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return r;
}

}  // namespace

TEST_CASE("posd on a broken journal signs nothing, and /readyz, /v1/status and the log say where and why", "[process][journal]") {
  Store s;
  s.sell(6);
  const int64_t head = s.query("SELECT MAX(seq) FROM journal");
  const int64_t sale3 = s.query("SELECT seq FROM sale WHERE receipt_no = 3");
  std::string why;
  SECTION("an event changed in the middle") {
    s.behind_the_back("UPDATE journal SET payload = replace(payload, '\"total\":', '\"total\":1') WHERE seq = " +
                      std::to_string(sale3));
    why = "signing stopped: seq " + std::to_string(sale3) + ": hash mismatch";
  }
  SECTION("a row removed") {
    s.behind_the_back("DELETE FROM journal WHERE seq = " + std::to_string(sale3));
    why = "signing stopped: seq " + std::to_string(sale3 + 1) + ": gap: expected seq " + std::to_string(sale3);
  }
  SECTION("the tail cut, and the marks beside the journal removed: the sale table still holds receipt 6") {
    const int64_t sale6 = s.query("SELECT seq FROM sale WHERE receipt_no = 6");
    s.behind_the_back("DELETE FROM journal WHERE seq >= " + std::to_string(sale6) + "; DELETE FROM journal_mark;");
    why = "signing stopped: the store's state does not agree with its journal: table sale holds a row made at seq " +
          std::to_string(sale6) + ", after the journal's last event (seq " + std::to_string(sale6 - 1) +
          "): events were removed";
  }
  SECTION("the grand total moved behind the journal's back") {
    s.behind_the_back("UPDATE counter SET value = value + 100000 WHERE name = 'grand_total'");
    why = "signing stopped: the store's state does not agree with its journal: the grand total is " +
          std::to_string(s.query("SELECT value FROM counter WHERE name = 'grand_total'")) + ", but the journal makes it " +
          std::to_string(s.query("SELECT value FROM counter WHERE name = 'grand_total'") - 100000);
  }
  const int64_t before = s.query("SELECT MAX(seq) FROM journal");
  INFO("journal head " << head << ", now " << before);

  test::Child posd({test::bin("posd"), "--config", s.dir.file("posd.json")}, s.dir.path());
  const uint16_t port = test::await_serving(posd);
  auto ready = readyz_when_broken(port);
  CHECK(ready.status == 503);
  CHECK(ready.json()["error"]["code"] == "journal_broken");
  CHECK(ready.json()["error"]["message"] == why + "; reads still work");

  test::Lane lane(port, test::kCashierToken);
  auto status = lane.get("/v1/status");
  REQUIRE(status.status == 200);
  CHECK(status.json()["journal"]["signing"] == false);
  CHECK(status.json()["journal"]["broken"] == why);
  CHECK(lane.get("/v1/sales/2").status == 200);  // reads still work

  const std::string b = lane.open_basket();
  lane.scan(b, {"BREAD"});
  auto sale = lane.pay_cash_and_complete(b);
  CHECK(sale.status == 503);
  CHECK(sale.json()["error"]["code"] == "journal_broken");
  CHECK(posd.wait_for_err(why));
  posd.signal(SIGTERM);
  posd.wait();
  CHECK(s.query("SELECT MAX(seq) FROM journal") == before);
}

TEST_CASE("posd on a whole journal starts from its checkpoint and says how far the chain is verified", "[process][journal]") {
  Store s;
  s.sell(3);
  const int64_t head = s.query("SELECT MAX(seq) FROM journal");
  CHECK(s.query("SELECT seq FROM journal_mark WHERE name = 'checkpoint'") == head);
  test::Child posd({test::bin("posd"), "--config", s.dir.file("posd.json")}, s.dir.path());
  test::Lane lane(test::await_serving(posd), test::kCashierToken);
  auto status = lane.get("/v1/status").json()["journal"];
  CHECK(status["signing"] == true);
  CHECK(status["checked_from_seq"] == head);
  CHECK(status["verified_seq"] == head);
  const std::string b = lane.open_basket();
  lane.scan(b, {"BREAD"});
  CHECK(lane.pay_cash_and_complete(b).status == 200);
  posd.signal(SIGTERM);
  CHECK(posd.wait() == 0);
}
