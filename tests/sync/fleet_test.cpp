// The fleet bench's short version (bench/fleet_bench.cpp measures the long
// one): fifty simulated stores, each with a real key, real chained and
// signed events and its own MQTT client, against a real Mosquitto (TLS,
// ACLs) and two posd-hq instances in one share group, on the backend the
// run asks for. Correctness only, no time limit: every event stored once,
// every store acked, a price for all applied and acked everywhere. Each
// instance's intake is bounded small, so that the outage's backlog is shed
// and sent again; the instances' /metrics count every event once between them.
#include <catch2/catch.hpp>

#include "bench/fleet.h"
#include "hq/store.h"
#include "tests/sync/hq_fixture.h"

using namespace posd;
using namespace std::chrono_literals;

namespace {

constexpr size_t kStores = 50;

bool every_store(fleet::Fleet& f, const std::function<bool(const fleet::StoreFigures&)>& done) {
  for (const auto& s : f.figures()) {
    if (!done(s)) return false;
  }
  return true;
}

bool all_acked(fleet::Fleet& f) {
  return every_store(f, [](const fleet::StoreFigures& s) { return s.hq_acked_seq == s.journal_seq; });
}

std::string lagging(fleet::Fleet& f) {
  std::string out;
  const auto figures = f.figures();
  for (size_t i = 0; i < figures.size(); ++i) {
    const auto& s = figures[i];
    if (s.hq_acked_seq != s.journal_seq) {
      out += f.ids()[i] + ": journal " + std::to_string(s.journal_seq) + ", acked " + std::to_string(s.hq_acked_seq) +
             ", connects " + std::to_string(s.connects) + "\n";
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a fleet of fifty stores through two HQ instances: a broker outage's backlog and a price for all arrive exactly once", "[hq][fleet]") {
  test::TempDir dir;
  test::Broker broker(dir);
  broker.start();
  test::Hq one(dir, broker, "hq-1");
  test::Hq two(dir, broker, "hq-2", one.db());
  auto& pki = test::Pki::get();
  fleet::FleetOptions o;
  o.broker_url = broker.url();
  o.key_dir = dir.file("keys");
  o.stores = kStores;
  o.keep_acked = true;
  o.max_backoff = 2000ms;
  o.ca_file = pki.ca();
  o.identity = [&pki](const std::string& id) { return std::pair{pki.cert(id), pki.key(id)}; };
  auto made = fleet::Fleet::create(o);
  REQUIRE(made);
  fleet::Fleet& f = **made;
  {
    auto hq = hq::open_store(one.db());
    REQUIRE(hq);
    for (size_t i = 0; i < kStores; ++i) REQUIRE((*hq)->register_store(f.ids()[i], f.public_key_pem(i)));
  }
  const uint16_t metrics_one = test::unused_port(), metrics_two = test::unused_port();
  one.start({"--share-group", "hq", "--intake-kb", "256", "--metrics", "127.0.0.1:" + std::to_string(metrics_one)});
  two.start({"--share-group", "hq", "--intake-kb", "256", "--metrics", "127.0.0.1:" + std::to_string(metrics_two)});
  f.connect();
  for (size_t i = 0; i < kStores; ++i) f.sell(i, 1 + i % 4);
  REQUIRE(test::wait_until([&] { return all_acked(f); }, 120));
  CHECK(!f.take_ack_latencies().empty());

  // The broker goes away while every store sells on; then it is back.
  broker.stop();
  for (size_t i = 0; i < kStores; ++i) f.sell(i, 300);
  broker.start();
  {
    INFO(lagging(f));
    REQUIRE(test::wait_until([&] { return all_acked(f); }, 240));
  }

  // One price for every store, through the instances' shared down-logs.
  one.cli({"price", "--sku", "SKU-0", "--price", "249"});
  {
    const bool applied = test::wait_until([&] { return every_store(f, [](const auto& s) { return s.hq_applied_seq == 1; }); }, 120);
    std::string unapplied;
    const auto figures = f.figures();
    for (size_t i = 0; i < figures.size(); ++i) {
      if (figures[i].hq_applied_seq != 1) {
        unapplied += f.ids()[i] + ": applied " + std::to_string(figures[i].hq_applied_seq) + ", connects " +
                     std::to_string(figures[i].connects) + "\n";
      }
    }
    INFO(unapplied << one.log() << two.log());
    REQUIRE(applied);
  }
  REQUIRE(test::wait_until([&] { return all_acked(f); }, 120));  // the hq_applied events too

  // A store's down_ack is written at the instance's next tick, with every
  // other store's, so it may land just after the hq_applied event's ack.
  auto hq = hq::open_store(one.db());
  REQUIRE(hq);
  const bool down_acked = test::wait_until(
      [&] {
        for (size_t i = 0; i < kStores; ++i) {
          auto acked = (*hq)->down_acked(f.ids()[i]);
          if (!acked || *acked != 1) return false;
        }
        return true;
      },
      30);
  CHECK(down_acked);

  // HQ holds exactly each store's journal, every seq once, and its down-log acked.
  for (size_t i = 0; i < kStores; ++i) {
    const std::string& id = f.ids()[i];
    INFO(id);
    const auto mine = f.journal(i);
    auto theirs = (*hq)->events(id, 0, mine.size() + 10);
    REQUIRE(theirs);
    REQUIRE(theirs->size() == mine.size());
    for (size_t k = 0; k < mine.size(); ++k) {
      REQUIRE((*theirs)[k].seq == mine[k].seq);
      REQUIRE((*theirs)[k].hash == mine[k].hash);
      REQUIRE((*theirs)[k].signature == mine[k].signature);
    }
    CHECK(mine.back().type == "hq_applied");
    auto report = (*hq)->report(id);
    REQUIRE(report);
    CHECK((*report)["rejected"].empty());
    CHECK((*report)["down_log"]["acked_by_store"] == 1);
  }
  // Between them, the instances stored every event once; the bound was met.
  const std::string page_one = test::scrape(metrics_one), page_two = test::scrape(metrics_two);
  size_t events = 0;
  for (size_t i = 0; i < kStores; ++i) events += f.journal(i).size();
  CHECK(test::sample(page_one, "posd_hq_events_stored_total") + test::sample(page_two, "posd_hq_events_stored_total") ==
        static_cast<double>(events));
  CHECK(test::sample(page_one, "posd_hq_batches_shed_total") + test::sample(page_two, "posd_hq_batches_shed_total") > 0);
  CHECK(test::sample(page_one, "posd_hq_database_up") == 1);
  CHECK(test::sample(page_one, "posd_hq_link_up") == 1);
  CHECK(test::sample(page_one, "posd_hq_batches_rejected_total") + test::sample(page_two, "posd_hq_batches_rejected_total") == 0);
  for (size_t i = 0; i < kStores; ++i) {
    const std::string label = "{store=\"" + f.ids()[i] + "\"}";
    const double journal_seq = static_cast<double>(f.journal(i).back().seq);
    CHECK(test::sample(page_one, "posd_hq_store_held_seq" + label) == journal_seq);  // read from the database
    CHECK(test::sample(page_two, "posd_hq_store_lag_events" + label) == 0);
    CHECK(test::sample(page_two, "posd_hq_store_down_pending" + label) == 0);
  }
  auto verified = test::run({test::bin("posd-hq"), "verify", "--db", one.db(), "--store", f.ids()[0]});
  CHECK(verified.exit_code == 0);
}
