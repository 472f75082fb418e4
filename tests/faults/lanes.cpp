#include "tests/faults/lanes.h"

#include <catch2/catch.hpp>

#include <future>
#include <optional>
#include <random>
#include <thread>

#include "checkout/checkout.h"
#include "tests/daemon/node.h"
#include "tests/faults/campaign.h"

namespace posd::test {

using json = nlohmann::json;

const std::vector<std::string> kLaneSkus = {"BREAD", "MILK-1L", "PEN-BLUE", "CHOC-DARK"};

namespace {

json parse(const std::string& body) {
  try {
    return json::parse(body);
  } catch (const json::exception&) {
    return json::object();
  }
}

void enter(Ledger& ledger, const std::string& body) {
  const json j = parse(body);
  std::lock_guard lock(ledger.mu);
  ledger.acked[j["receipt_no"].get<int64_t>()] = j["total"].get<int64_t>();
}

}  // namespace

namespace {

// The basket a lane is ringing up: what posd acknowledged of it.
struct Held {
  std::string id;
  size_t lines = 0;
  bool tendered = false;
};

// Cancels the empty baskets of the terminal no lane holds: each a create
// whose answer never came (posd died after keeping it).
void cancel_orphans(const Store& store, Ledger& ledger) {
  auto list = request(store.port(), "GET", "/v1/baskets", kStoreToken);
  for (const json& b : parse(list.body).value("baskets", json::array())) {
    const std::string id = b.value("id", "");
    {
      std::lock_guard lock(ledger.mu);
      if (ledger.held.count(id)) continue;
    }
    if (b["lines"].empty() && b["tenders"].empty()) {
      request(store.port(), "DELETE", "/v1/baskets/" + id, kStoreToken, "", {{"Idempotency-Key", "orphan-" + id}});
    }
  }
}

// Asks posd again for the basket a lane held when posd went away, and checks
// that it kept everything it acknowledged. False when the basket is gone.
bool take_up(const Store& store, Held& held, Ledger& ledger) {
  auto got = request(store.port(), "GET", "/v1/baskets/" + held.id, kStoreToken);
  if (got.status >= 500) throw std::runtime_error("posd is not serving yet");
  std::lock_guard lock(ledger.mu);
  ++ledger.taken_up;
  if (got.status != 200) {
    ++ledger.baskets_lost;
    ledger.held.erase(held.id);
    return false;
  }
  const json b = parse(got.body);
  const size_t lines = b["lines"].size();
  if (lines < held.lines) ledger.lines_lost += static_cast<int64_t>(held.lines - lines);
  if (held.tendered && b["tenders"].empty()) ++ledger.lines_lost;
  held.lines = lines;  // a line whose answer was lost may be there too
  held.tendered = !b["tenders"].empty();
  return true;
}

}  // namespace

void sell_until(int n, const Store& store, std::atomic<bool>& stop, Ledger& ledger, std::chrono::milliseconds pace) {
  std::mt19937 rng(static_cast<unsigned>(n));
  std::optional<Held> held;
  bool away = false;  // posd went away while the lane held `held`
  for (int i = 0; !stop; ++i) {
    if (pace.count() > 0) std::this_thread::sleep_for(pace);
    try {
      if (held && away && !take_up(store, *held, ledger)) held.reset();
      away = false;
      if (!held) {
        auto b = request(store.port(), "POST", "/v1/baskets", kStoreToken);
        if (b.status == 409) cancel_orphans(store, ledger);
        if (b.status != 201) continue;
        held = Held{parse(b.body)["id"]};
        std::lock_guard lock(ledger.mu);
        ledger.held.insert(held->id);
      }
      if (held->lines == 0) {
        const std::string sku = kLaneSkus[rng() % kLaneSkus.size()];
        if (request(store.port(), "POST", "/v1/baskets/" + held->id + "/lines", kStoreToken,
                    json{{"code", sku}}.dump()).status != 200) continue;
        held->lines = 1;
      }
      if (!held->tendered) {
        if (request(store.port(), "POST", "/v1/baskets/" + held->id + "/tenders", kStoreToken,
                    json{{"type", "cash"}, {"amount", 2000}}.dump()).status != 200) continue;
        held->tendered = true;
      }
    } catch (const std::exception&) {
      away = held.has_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // posd is down
      continue;
    }
    const std::string key = "lane-" + std::to_string(n) + "-" + std::to_string(i);
    try {
      auto done = request(store.port(), "POST", "/v1/baskets/" + held->id + "/complete", kStoreToken, "",
                          {{"Idempotency-Key", key}});
      if (done.status == 200) {
        enter(ledger, done.body);
      } else if (done.status >= 500) {
        std::lock_guard lock(ledger.mu);
        ++ledger.refused;
        continue;  // not completed: the basket is still open, and taken up again
      }
    } catch (const std::exception&) {
      std::lock_guard lock(ledger.mu);
      ledger.unanswered.push_back({held->id, key});
    }
    std::lock_guard lock(ledger.mu);
    ledger.held.erase(held->id);
    held.reset();
  }
}

bool retry_completion(const Store& store, const Unanswered& u, Ledger& ledger) {
  auto again = request(store.port(), "POST", "/v1/baskets/" + u.basket + "/complete", kStoreToken, "",
                       {{"Idempotency-Key", u.key}});
  if (again.status == 200) {
    enter(ledger, again.body);
    return true;
  }
  // The sale never committed and its basket is not there: only after a
  // power cut (the basket store's last moments), never after a kill.
  CHECK(again.status == 404);
  return false;
}

int64_t require_store_and_hq_agree(Hq& hq, Store& store, Ledger& ledger) {
  INFO(store.log().substr(store.log().size() > 3000 ? store.log().size() - 3000 : 0));
  // Every acknowledged sale, retrievable with its total.
  for (const auto& [receipt, total] : ledger.acked) {
    auto sale = request(store.port(), "GET", "/v1/sales/" + std::to_string(receipt), kStoreToken);
    REQUIRE(sale.status == 200);
    CHECK(parse(sale.body)["total"] == total);
  }
  // The store applies HQ's down-log first: each entry it applies is an event
  // of its own journal, which must then reach HQ too before the store stops.
  const uint64_t down_head = hq.report(store.id())["down_log"]["last_hq_seq"];
  REQUIRE(wait_until([&] { return store.status()["hq"]["applied_hq_seq"] == down_head; }, 120));
  REQUIRE(wait_until([&] { return hq_acked(hq, store.id()) == store.status()["journal_seq"]; }, 120));
  store.stop();
  auto db = sql::Db::open(store.db(), sql::Db::Mode::read_only);
  REQUIRE(db);
  const int64_t sales = count(*db, "SELECT COUNT(*) FROM sale");
  CHECK(sales == count(*db, "SELECT MAX(receipt_no) FROM sale"));  // gap-free
  CHECK(sales >= static_cast<int64_t>(ledger.acked.size()));
  CHECK(count(*db, "SELECT COUNT(*) FROM (SELECT json_extract(payload, '$.basket_id') b FROM journal "
                   "WHERE type = 'sale' GROUP BY b HAVING COUNT(*) > 1)") == 0);  // no basket sold twice
  for (const std::string& sku : kLaneSkus) {
    INFO(sku);
    const int64_t sold = count(*db, "SELECT COUNT(*) FROM journal, json_each(journal.payload, '$.lines') l "
                                    "WHERE journal.type = 'sale' AND json_extract(l.value, '$.sku') = '" + sku + "'");
    CHECK(count(*db, "SELECT on_hand FROM stock WHERE sku = '" + sku + "'") == 40 - sold);
  }
  CHECK(count(*db, "SELECT COUNT(*) FROM (SELECT json_extract(payload, '$.hq_seq') h FROM journal "
                   "WHERE type IN ('hq_applied', 'hq_quarantined') GROUP BY h HAVING COUNT(*) > 1)") == 0);
  CHECK(count(*db, "SELECT COUNT(*) FROM journal WHERE type IN ('hq_applied', 'hq_quarantined')") ==
        static_cast<int64_t>(down_head));
  require_hq_holds_journal(hq, store);
  return sales;
}

posd::Outcome sell_in_process(Node& node, const std::string& terminal, unsigned n) {
  std::promise<posd::Outcome> answer;
  node.on_loop([&](Checkout& co) {
    const Caller c{terminal, false, "", "", Role::cashier};
    posd::Outcome b = co.create_basket(c);
    if (!b.ok()) return answer.set_value(b);
    const std::string id = b.document()["id"];
    for (unsigned i = 0; i < 3; ++i) {
      posd::Outcome l = co.add_line(c, id, {{"code", kLaneSkus[(n + i) % kLaneSkus.size()]}});
      if (!l.ok()) return answer.set_value(l);
    }
    co.tender(c, id, {{"type", "cash"}, {"amount", 5000}}, [&co, &answer, c, id](posd::Outcome t) {
      if (!t.ok()) return answer.set_value(t);
      co.complete(c, id, nullptr, [&answer](posd::Outcome o) { answer.set_value(std::move(o)); });
    });
  });
  return answer.get_future().get();
}

}  // namespace posd::test
