// Process kills under load: posd SIGKILLed again and again while four lanes
// complete sales with Idempotency-Keys and HQ sends price changes, the sync
// link up so that acks and down entries are in flight at the kill. After
// every restart the lanes retry what they never heard answered. At the end:
// every acknowledged receipt is there with its total, receipt numbers are
// gap-free, every basket a lane held at a kill is there after the restart
// with every line and tender acknowledged, no basket was sold twice, stock fell by exactly what was sold,
// every HQ entry applied once, and HQ holds exactly the journal.
// POSD_KILL_ROUNDS sets the rounds (scripts/faults runs the long campaign).
#include <catch2/catch.hpp>

#include <random>
#include <thread>

#include "tests/faults/campaign.h"
#include "tests/faults/lanes.h"

using namespace posd;

TEST_CASE("posd SIGKILLed under load from four lanes with the sync link up loses no acknowledged sale and sells none twice", "[faults][hq]") {
  const int rounds = test::rounds_from_env("POSD_KILL_ROUNDS", 8);
  const uint64_t seed = test::fault_seed();
  INFO("POSD_FAULT_SEED=" << seed);
  std::mt19937_64 rng(seed);

  test::OnlineStore online;
  test::Hq& hq = online.hq;
  test::Store& store = online.store;

  test::Ledger ledger;
  test::Lanes lanes;
  for (int n = 0; n < 4; ++n) lanes.add(n, store, ledger, std::chrono::milliseconds(0));

  int64_t replayed = 0;
  for (int round = 0; round < rounds; ++round) {
    hq.cli({"price", "--sku", "BREAD", "--price", std::to_string(250 + round)});  // a down entry in flight
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 400));
    store.kill();
    store.start();
    // What was never answered is asked again, with the same key.
    std::vector<test::Unanswered> retry;
    {
      std::lock_guard lock(ledger.mu);
      retry.swap(ledger.unanswered);
    }
    for (const test::Unanswered& u : retry) replayed += test::retry_completion(store, u, ledger) ? 1 : 0;
  }
  lanes.stop();

  test::require_store_and_hq_agree(hq, store, ledger);
  WARN("seed " << seed << ": " << rounds << " kills, " << ledger.acked.size() << " sales acknowledged (" << replayed
                << " by a retry after the restart), " << ledger.refused << " refused while posd went down, "
                << ledger.taken_up << " baskets taken up again after a restart");
  CHECK(ledger.acked.size() > static_cast<size_t>(rounds));
  // Baskets survive the kill: every basket a lane held, with every line and
  // tender posd acknowledged, is there after the restart.
  CHECK(ledger.taken_up > 0);
  CHECK(ledger.baskets_lost == 0);
  CHECK(ledger.lines_lost == 0);
}
