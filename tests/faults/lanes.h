// Lanes that sell through a real posd while something happens to it (kills,
// hours of traffic), and the checks that the store and HQ agree afterwards.
// A lane completes each sale with an Idempotency-Key and writes down what was
// acknowledged and what was never answered.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "checkout/outcome.h"
#include "tests/daemon/node.h"
#include "tests/sync/hq_fixture.h"

namespace posd::test {

// The items the lanes sell: 40 of each at the start.
extern const std::vector<std::string> kLaneSkus;

// A completion whose answer never came (posd died): retried after a restart.
struct Unanswered {
  std::string basket, key;
};

struct Ledger {
  std::mutex mu;
  std::map<int64_t, int64_t> acked;  // receipt_no → total
  std::vector<Unanswered> unanswered;
  int64_t refused = 0;  // 5xx answers (posd going down): not acknowledged
  // Baskets a lane held when posd went away, asked for again once it was back.
  int64_t taken_up = 0;
  int64_t baskets_lost = 0;  // answered 404: the basket was gone
  int64_t lines_lost = 0;    // acknowledged lines missing from a basket taken up
  std::set<std::string> held;  // the baskets the lanes hold now
};

// Lane `n` sells one random item a sale, for cash, until `stop`, waiting
// `pace` between sales. A basket it holds when posd goes away is taken up
// again once posd is back (and checked: none lost, no acknowledged line
// missing); empty baskets nobody holds (a create whose answer was lost) are
// cancelled when the terminal holds too many.
void sell_until(int n, const Store& store, std::atomic<bool>& stop, Ledger& ledger,
                std::chrono::milliseconds pace = std::chrono::milliseconds(0));

// Lanes selling on threads of their own (sell_until) until stop() or
// destruction, which waits for each to finish its sale.
class Lanes {
 public:
  Lanes() = default;
  ~Lanes() { stop(); }
  Lanes(const Lanes&) = delete;
  Lanes& operator=(const Lanes&) = delete;
  void add(int n, const Store& store, Ledger& ledger, std::chrono::milliseconds pace) {
    threads_.emplace_back(sell_until, n, std::cref(store), std::ref(stop_), std::ref(ledger), pace);
  }
  void stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// Completes `u` again with its key; true when it was answered 200 (and
// entered in the ledger), false when the sale never committed (404).
bool retry_completion(const Store& store, const Unanswered& u, Ledger& ledger);

// Waits until HQ holds the whole journal and the store applied HQ's whole
// down-log, stops the store, then checks: every acknowledged sale is there
// with its total, receipt numbers are gap-free, no basket sold twice, stock
// fell by exactly what was sold, every HQ entry applied once, and HQ holds
// exactly the journal. Returns the number of sales in the journal.
int64_t require_store_and_hq_agree(Hq& hq, Store& store, Ledger& ledger);

// One sale at `terminal` of an in-process node, straight through its
// checkout on its loop: three items (from the n-th on), paid in cash,
// completed. Its answer.
posd::Outcome sell_in_process(Node& node, const std::string& terminal, unsigned n);

}  // namespace posd::test
