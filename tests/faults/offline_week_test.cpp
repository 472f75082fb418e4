// A week offline: a busy store sells for seven simulated days with no link to
// HQ (the broker is not there), closing each day with a Z, then the link
// comes back. The node runs in this process on a clock the test moves, so a
// day passes as fast as the disk takes its sales. POSD_OFFLINE_EVENTS sets the
// week's size (3,500 in the suite; scripts/offline-week runs 500,000), and
// POSD_OFFLINE_CSV takes the memory samples. At the end: HQ holds exactly the
// journal, HQ's change sent during the drain is applied once, every day has
// its Z and June its closure, and memory stayed bounded through the week.
#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

#include "tests/daemon/node.h"
#include "tests/faults/campaign.h"
#include "tests/faults/lanes.h"
#include "tests/support/store_clock.h"

using namespace posd;
using json = nlohmann::json;

namespace {

int64_t own_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

}  // namespace

TEST_CASE("a week offline: seven busy days with their Zs reach HQ once and in order when the link returns, in bounded memory", "[faults][hq]") {
  const int64_t events = test::rounds_from_env("POSD_OFFLINE_EVENTS", 3500);
  const char* csv_path = std::getenv("POSD_OFFLINE_CSV");
  const int64_t per_day = std::max<int64_t>(events / 7, 8);
  const std::vector<std::string> days = {"2026-06-25", "2026-06-26", "2026-06-27", "2026-06-29",
                                         "2026-06-30", "2026-07-01", "2026-07-02"};  // Sunday closed

  test::TempDir dir;
  test::Broker broker{dir};
  test::Hq hq{dir, broker};
  test::StoreClock clock;
  clock.set_day(days[0], "08:00:00");
  const std::string store_id = "W1";
  test::Pki& pki = test::Pki::get();
  test::Node node({}, [&](json& c) {
    c["store_id"] = store_id;
    if (const char* level = std::getenv("POSD_OFFLINE_LOG")) c["log_level"] = level;
    c["mqtt"] = {{"url", broker.url()}, {"tls", {{"ca", pki.ca()}, {"certificate", pki.cert(store_id)}, {"private_key", pki.key(store_id)}}}};
  }, clock);
  test::load_demo_catalog(node.journal());
  hq.cli({"store", "add", "--store", store_id, "--pubkey", node.db_path() + ".pub"});
  test::Lane office(node.port(), test::kSupervisorToken);

  // The week, four lanes at a time; the clock walks through opening hours.
  std::ofstream csv;
  if (csv_path) {
    csv.open(csv_path);
    csv << "day,sales,journal_seq,rss_kib\n";
  }
  std::vector<int64_t> rss;  // after each day
  const auto opening_ms = std::chrono::milliseconds(12 * 3600 * 1000 / per_day);
  const auto week_start = std::chrono::steady_clock::now();
  int64_t sold = 0;
  for (size_t d = 0; d < days.size(); ++d) {
    clock.set_day(days[d], "08:00:00");
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> refused{0};
    std::vector<std::thread> lanes;
    for (int l = 0; l < 4; ++l) {
      lanes.emplace_back([&, l] {
        for (int64_t i = next++; i < per_day; i = next++) {
          clock.advance(opening_ms);
          if (!test::sell_in_process(node, l == 0 ? "lane-1" : "office", static_cast<unsigned>(i)).ok()) ++refused;
        }
      });
    }
    for (auto& t : lanes) t.join();
    REQUIRE(refused == 0);
    sold += per_day;
    auto z = office.post("/v1/reports/z");
    INFO(z.body);
    REQUIRE(z.status == 201);
    const json status = office.get("/v1/status").json();
    rss.push_back(own_rss_kib());
    if (csv.is_open()) csv << days[d] << ',' << sold << ',' << status["journal_seq"] << ',' << rss.back() << std::endl;
  }
  const double week_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - week_start).count();
  const int64_t head = office.get("/v1/status").json()["journal_seq"];
  REQUIRE(head >= events);

  // The link returns; HQ sends a price while the week drains.
  const auto drain_start = std::chrono::steady_clock::now();
  broker.start();
  hq.start();
  hq.cli({"price", "--sku", "BREAD", "--price", "299"});
  int64_t drain_rss = 0;
  INFO(hq.log().substr(hq.log().size() > 3000 ? hq.log().size() - 3000 : 0));
  const bool drained = test::wait_until([&] {
    drain_rss = std::max(drain_rss, own_rss_kib());
    return static_cast<int64_t>(test::hq_acked(hq, store_id)) >= head;
  }, test::rounds_from_env("POSD_OFFLINE_DRAIN_WAIT", 200));
  INFO("the store's link: " << office.get("/v1/status").json()["hq"].dump());
  REQUIRE(drained);
  const double drain_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - drain_start).count();
  // HQ's change, applied, is one more event for HQ.
  REQUIRE(test::wait_until([&] { return office.get("/v1/status").json()["hq"]["applied_hq_seq"] == 1; }, 60));
  REQUIRE(test::wait_until([&] { return test::hq_acked(hq, store_id) == office.get("/v1/status").json()["journal_seq"]; }, 60));
  test::require_hq_holds_journal(hq, store_id, node.db_path());

  // Every day its Z, the month of June its closure, HQ's change applied once.
  CHECK(test::journal_events(node.db_path(), "z_report").size() == days.size());
  auto closed = test::journal_events(node.db_path(), "period_closed");
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].payload["month"] == "2026-06");
  CHECK(test::journal_events(node.db_path(), "hq_applied").size() == 1);
  CHECK(test::journal_events(node.db_path(), "sale").size() == static_cast<size_t>(sold));

  // Bounded: the second half of the week needs no more than the first, and the
  // drain no more than a quarter over it (SQLite's caches and the allocator
  // settle on the first days).
  const int64_t first_half = *std::max_element(rss.begin(), rss.begin() + 3);
  const int64_t second_half = *std::max_element(rss.begin() + 3, rss.end());
  if (test::kMemoryBoundsHold) {
    CHECK(second_half <= first_half * 5 / 4 + 8192);
    CHECK(drain_rss <= first_half * 5 / 4 + 8192);
  }
  WARN("a week offline: " << sold << " sales, " << head << " events in " << week_s << " s; drained to HQ in " << drain_s
                          << " s (" << static_cast<int64_t>(head / drain_s) << " events/s); RSS " << rss.front()
                          << " KiB after day 1, " << first_half << " most in days 1-3, " << second_half
                          << " in days 4-7, " << drain_rss << " during the drain");
}
