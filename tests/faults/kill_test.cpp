// Process kills under load: posd SIGKILLed again and again while four lanes
// complete sales with Idempotency-Keys and HQ sends price changes, the sync
// link up so that acks and down entries are in flight at the kill. After
// every restart the lanes retry what they never heard answered. At the end:
// every acknowledged receipt is there with its total, receipt numbers are
// gap-free, no basket was sold twice, stock fell by exactly what was sold,
// every HQ entry applied once, and HQ holds exactly the journal.
// POSD_KILL_ROUNDS sets the rounds (scripts/faults runs the long campaign).
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include "tests/daemon/node.h"
#include "tests/faults/campaign.h"
#include "tests/support/process.h"
#include "tests/sync/hq_fixture.h"

using namespace posd;
using json = nlohmann::json;

namespace {

const std::vector<std::string> kSkus = {"BREAD", "MILK-1L", "PEN-BLUE", "CHOC-DARK"};

// A completion whose answer never came (posd died): retried after the restart.
struct Unanswered {
  std::string basket, key;
};

struct Ledger {
  std::mutex mu;
  std::map<int64_t, int64_t> acked;  // receipt_no → total
  std::vector<Unanswered> unanswered;
  int64_t refused = 0;  // 5xx answers (posd going down): not acknowledged
};

json parse(const std::string& body) {
  try {
    return json::parse(body);
  } catch (const json::exception&) {
    return json::object();
  }
}

void lane(int n, const test::Store& store, std::atomic<bool>& stop, Ledger& ledger) {
  std::mt19937 rng(static_cast<unsigned>(n));
  for (int i = 0; !stop; ++i) {
    std::string basket;
    try {
      auto b = test::request(store.port(), "POST", "/v1/baskets", test::kStoreToken);
      if (b.status != 201) continue;
      basket = parse(b.body)["id"];
      const std::string sku = kSkus[rng() % kSkus.size()];
      if (test::request(store.port(), "POST", "/v1/baskets/" + basket + "/lines", test::kStoreToken,
                        json{{"code", sku}}.dump()).status != 200) continue;
      if (test::request(store.port(), "POST", "/v1/baskets/" + basket + "/tenders", test::kStoreToken,
                        json{{"type", "cash"}, {"amount", 2000}}.dump()).status != 200) continue;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // posd is down: nothing was at stake yet
      continue;
    }
    const std::string key = "lane-" + std::to_string(n) + "-" + std::to_string(i);
    try {
      auto done = test::request(store.port(), "POST", "/v1/baskets/" + basket + "/complete", test::kStoreToken, "",
                                {{"Idempotency-Key", key}});
      std::lock_guard lock(ledger.mu);
      if (done.status == 200) ledger.acked[parse(done.body)["receipt_no"].get<int64_t>()] = parse(done.body)["total"].get<int64_t>();
      else if (done.status >= 500) ++ledger.refused;
    } catch (const std::exception&) {
      std::lock_guard lock(ledger.mu);
      ledger.unanswered.push_back({basket, key});
    }
  }
}

}  // namespace

TEST_CASE("posd SIGKILLed under load from four lanes with the sync link up loses no acknowledged sale and sells none twice", "[faults][hq]") {
  const int rounds = test::rounds_from_env("POSD_KILL_ROUNDS", 8);
  const uint64_t seed = test::fault_seed();
  INFO("POSD_FAULT_SEED=" << seed);
  std::mt19937_64 rng(seed);

  test::TempDir dir;
  test::Broker broker{dir};
  test::Hq hq{dir, broker};
  broker.start();
  hq.start();
  test::Store store(dir, broker, hq, "S1");
  store.start();

  Ledger ledger;
  std::atomic<bool> stop{false};
  std::vector<std::thread> lanes;
  for (int n = 0; n < 4; ++n) lanes.emplace_back(lane, n, std::cref(store), std::ref(stop), std::ref(ledger));
  struct StopLanes {
    std::atomic<bool>& stop;
    std::vector<std::thread>& lanes;
    ~StopLanes() {
      stop = true;
      for (auto& t : lanes) t.join();
    }
  } stop_lanes{stop, lanes};

  int64_t replayed = 0;
  for (int round = 0; round < rounds; ++round) {
    hq.cli({"price", "--sku", "BREAD", "--price", std::to_string(250 + round)});  // a down entry in flight
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 400));
    store.kill();
    store.start();
    // What was never answered is asked again, with the same key.
    std::vector<Unanswered> retry;
    {
      std::lock_guard lock(ledger.mu);
      retry.swap(ledger.unanswered);
    }
    for (const Unanswered& u : retry) {
      auto again = test::request(store.port(), "POST", "/v1/baskets/" + u.basket + "/complete", test::kStoreToken, "",
                                 {{"Idempotency-Key", u.key}});
      if (again.status == 200) {
        std::lock_guard lock(ledger.mu);
        ledger.acked[parse(again.body)["receipt_no"].get<int64_t>()] = parse(again.body)["total"].get<int64_t>();
        ++replayed;
      } else {
        CHECK(again.status == 404);  // the sale never committed: its basket was lost (and journaled as such)
      }
    }
  }
  stop = true;
  for (auto& t : lanes) t.join();
  lanes.clear();

  INFO(store.log().substr(store.log().size() > 3000 ? store.log().size() - 3000 : 0));
  // Every acknowledged sale, retrievable with its total.
  for (const auto& [receipt, total] : ledger.acked) {
    auto sale = test::request(store.port(), "GET", "/v1/sales/" + std::to_string(receipt), test::kStoreToken);
    REQUIRE(sale.status == 200);
    CHECK(parse(sale.body)["total"] == total);
  }
  REQUIRE(test::wait_until([&] { return test::hq_acked(hq, "S1") == store.status()["journal_seq"]; }, 60));
  const uint64_t down_head = hq.report("S1")["down_log"]["last_hq_seq"];
  REQUIRE(test::wait_until([&] { return store.status()["hq"]["applied_hq_seq"] == down_head; }, 60));
  store.stop();
  {
    auto db = sql::Db::open(store.db(), sql::Db::Mode::read_only);
    REQUIRE(db);
    const int64_t sales = test::count(*db, "SELECT COUNT(*) FROM sale");
    CHECK(sales == test::count(*db, "SELECT MAX(receipt_no) FROM sale"));  // gap-free
    CHECK(sales >= static_cast<int64_t>(ledger.acked.size()));
    CHECK(test::count(*db, "SELECT COUNT(*) FROM (SELECT json_extract(payload, '$.basket_id') b FROM journal "
                     "WHERE type = 'sale' GROUP BY b HAVING COUNT(*) > 1)") == 0);  // no basket sold twice
    for (const std::string& sku : kSkus) {
      INFO(sku);
      const int64_t sold = test::count(*db, "SELECT COUNT(*) FROM journal, json_each(journal.payload, '$.lines') l "
                                      "WHERE journal.type = 'sale' AND json_extract(l.value, '$.sku') = '" + sku + "'");
      CHECK(test::count(*db, "SELECT on_hand FROM stock WHERE sku = '" + sku + "'") == 40 - sold);
    }
    CHECK(test::count(*db, "SELECT COUNT(*) FROM (SELECT json_extract(payload, '$.hq_seq') h FROM journal "
                     "WHERE type IN ('hq_applied', 'hq_quarantined') GROUP BY h HAVING COUNT(*) > 1)") == 0);
    CHECK(test::count(*db, "SELECT COUNT(*) FROM journal WHERE type IN ('hq_applied', 'hq_quarantined')") ==
          static_cast<int64_t>(down_head));
  }
  test::require_hq_holds_journal(hq, store);
  WARN("seed " << seed << ": " << rounds << " kills, " << ledger.acked.size() << " sales acknowledged (" << replayed
                << " by a retry after the restart), " << ledger.refused << " refused while posd went down");
  CHECK(ledger.acked.size() > static_cast<size_t>(rounds));
}
