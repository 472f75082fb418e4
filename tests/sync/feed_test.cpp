// HQ's feed (hq/feed.h) on either backend: each stored pass's rows in the
// order of commits, with the mirror's figure after the pass; nothing for a
// duplicate or a refused pass's events; retention by id, and ids never reused.
#include <catch2/catch.hpp>

#include "hq/store.h"
#include "storage/journal.h"
#include "storage/sqlite.h"
#include "tests/support/postgres.h"
#include "tests/support/temp_dir.h"
#include "tests/sync/hq_open.h"

using namespace posd;
using json = nlohmann::json;
using test::events_from;
using test::open_hq;

namespace {

json sale(int64_t receipt, const std::string& sku, int64_t qty) {
  return {{"receipt_no", receipt}, {"total", 100 * qty},
          {"lines", {{{"sku", sku}, {"qty", qty}, {"amount", 100 * qty}, {"discount", 0}}}}};
}

// The feed after `after`, as consumers get it: {"id", …}.
std::vector<json> rows(hq::HqStore& hq, uint64_t after = 0) {
  auto r = hq.feed(after, 10000);
  REQUIRE(r);
  std::vector<json> out;
  for (const hq::FeedRow& row : *r) {
    json j = json::parse(hq::feed_message(row));
    CHECK(j["id"] == row.id);
    if (j["type"] != "store") CHECK(j["at"] == row.at);  // a link change: when the loop saw it
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<json> of_type(const std::vector<json>& all, const std::string& type) {
  std::vector<json> out;
  for (const json& j : all) {
    if (j["type"] == type) out.push_back(j);
  }
  return out;
}

}  // namespace

TEST_CASE("HQ's feed has each stored pass's stock after it, its sales, deliveries, orders and refusals, in the order of commits, and nothing twice", "[ledger]") {
  test::TempDir dir;
  const std::string url = test::hq_database(dir.path());
  auto s1 = Journal::open({.db_path = dir.file("S1.db"), .store_id = "S1"});
  auto s2 = Journal::open({.db_path = dir.file("S2.db"), .store_id = "S2"});
  REQUIRE(s1);
  REQUIRE(s2);
  auto hq = open_hq(url);
  REQUIRE(hq->register_store("S1", (*s1)->public_key().pem()));
  REQUIRE(hq->register_store("S2", (*s2)->public_key().pem()));
  REQUIRE(*hq->feed_bounds() == hq::FeedBounds{0, 0, 0});
  REQUIRE(*hq->down_append("S1", {{"price", json::object()}}) == 1);

  auto add = [](Journal& j, const std::string& type, json payload) { REQUIRE(j.append(Entry{type, std::move(payload)})); };
  add(**s1, "stock_movement", {{"sku", "PEN"}, {"type", "receive"}, {"delta", 40}, {"on_hand", 40}});
  add(**s1, "sale", sale(1, "PEN", 3));
  add(**s1, "hq_applied", {{"hq_seq", 1}, {"kind", "price"}, {"change", json::object()}});
  REQUIRE(hq->receive("S1", events_from(**s1, 1))->stored == 4);  // the journal's first event, and these
  auto first = rows(*hq);
  REQUIRE(of_type(first, "stock").size() == 1);
  const json pen = of_type(first, "stock")[0];
  CHECK(pen["store_id"] == "S1");
  CHECK(pen["sku"] == "PEN");
  CHECK(pen["on_hand"] == 37);
  CHECK(pen["available"] == 37);
  CHECK(pen["as_of_seq"] == 4);
  CHECK(pen["moved_seq"] == 3);
  REQUIRE(of_type(first, "sales").size() == 1);
  CHECK(of_type(first, "sales")[0]["as_of_seq"] == 4);
  CHECK(of_type(first, "sales")[0]["figures"].size() == 2);  // the receipt, and PEN's line
  REQUIRE(of_type(first, "delivery").size() == 1);
  CHECK(of_type(first, "delivery")[0]["applied"] == true);
  CHECK(of_type(first, "delivery")[0]["store_seq"] == 4);

  // The same batch again: held already, nothing new on the feed.
  REQUIRE(hq->receive("S1", events_from(**s1, 1))->duplicates == 4);
  CHECK(rows(*hq).size() == first.size());

  // A group of two stores' batches, and a reservation: later ids, each
  // stock row with the figure its store's pass left.
  add(**s1, "sale", sale(2, "PEN", 2));
  add(**s2, "stock_movement", {{"sku", "PEN"}, {"type", "count"}, {"delta", 9}, {"on_hand", 9}});
  add(**s2, "hq_applied", {{"hq_seq", 1}, {"kind", "reservation"},
                           {"change", {{"order_id", "W-7"}, {"action", "reserve"}, {"lines", {{{"sku", "PEN"}, {"qty", 4}}}}}}});
  auto answers = hq->receive_group({{"S2", events_from(**s2, 1)}, {"S1", events_from(**s1, 5)}});
  REQUIRE(answers.size() == 2);
  REQUIRE(answers[0]);
  REQUIRE(answers[1]);
  const uint64_t last_first = first.back()["id"];
  auto second = rows(*hq, last_first);
  REQUIRE_FALSE(second.empty());
  uint64_t previous = last_first;
  std::map<std::string, int64_t> on_hand, reserved;
  for (const json& r : second) {
    CHECK(r["id"].get<uint64_t>() > previous);
    previous = r["id"];
    if (r["type"] == "stock") {
      on_hand[r["store_id"].get<std::string>()] = r["on_hand"];
      reserved[r["store_id"].get<std::string>()] = r["reserved"];
    }
  }
  CHECK(on_hand == std::map<std::string, int64_t>{{"S1", 35}, {"S2", 5}});
  CHECK(reserved == std::map<std::string, int64_t>{{"S1", 0}, {"S2", 4}});
  REQUIRE(of_type(second, "order").size() == 1);
  CHECK(of_type(second, "order")[0]["order_id"] == "W-7");
  CHECK(of_type(second, "order")[0]["status"] == "reserved");

  // A batch whose event was changed on the way: refused, and the refusal is on the feed.
  add(**s1, "sale", sale(3, "PEN", 1));
  auto bad = events_from(**s1, 6);
  bad.events[0].payload["total"] = 1;
  REQUIRE_FALSE(hq->receive("S1", bad)->rejected.empty());
  auto refused = of_type(rows(*hq, previous), "rejected");
  REQUIRE(refused.size() == 1);
  CHECK(refused[0]["store_id"] == "S1");
  CHECK_FALSE(refused[0]["reason"].get<std::string>().empty());

  // A store's link going down and up, from the serving loop.
  REQUIRE(hq->feed_note({hq::link_item("S2", "2026-12-02T10:00:00Z", false, 2),
                         hq::link_item("S2", "2026-12-02T10:05:00Z", true, 2)}));
  auto links = of_type(rows(*hq), "store");
  REQUIRE(links.size() == 2);
  CHECK(links[0]["online"] == false);
  CHECK(links[1]["online"] == true);
  CHECK(links[1]["announced_seq"] == 2);
}

TEST_CASE("HQ's feed drops old rows by id and never gives an id twice, even after every row was dropped", "[ledger]") {
  test::TempDir dir;
  const std::string url = test::hq_database(dir.path());
  auto hq = open_hq(url);
  REQUIRE(hq->feed_note({hq::link_item("S1", "2026-12-01T08:00:00Z", true, 1), hq::link_item("S1", "2026-12-01T09:00:00Z", false, 1),
                         hq::link_item("S1", "2026-12-02T08:00:00Z", true, 2)}));
  auto all = rows(*hq);
  REQUIRE(all.size() == 3);
  const uint64_t a = all[0]["id"], c = all[2]["id"];
  REQUIRE(*hq->feed_bounds() == hq::FeedBounds{a, c, c});
  REQUIRE(hq->feed_drop(all[1]["id"]));
  CHECK(*hq->feed_bounds() == hq::FeedBounds{c, c, c});
  CHECK(rows(*hq).size() == 1);
  REQUIRE(hq->feed_drop(c));
  CHECK(*hq->feed_bounds() == hq::FeedBounds{0, 0, c});  // none kept; the ids given are remembered
  // Reopened (a restart): the next row still comes after every id given.
  hq.reset();
  hq = open_hq(url);
  REQUIRE(hq->feed_note({hq::link_item("S1", "2026-12-02T09:00:00Z", false, 2)}));
  auto next = rows(*hq);
  REQUIRE(next.size() == 1);
  CHECK(next[0]["id"].get<uint64_t>() > c);
}
