// HQ's mirror of each store (hq/mirror.h) on either backend: stock moved
// exactly as the store moved it, sales figures, what became of down-log
// entries, click-and-collect orders, and the changes published through it.
#include <catch2/catch.hpp>

#include "hq/mirror.h"
#include "hq/store.h"
#include "storage/journal.h"
#include "storage/sqlite.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/sync/hq_open.h"

using namespace posd;
using json = nlohmann::json;
using test::events_from;
using test::open_hq;

namespace {

Event ev(uint64_t seq, const std::string& ts, const std::string& type, json payload) {
  Event e;
  e.seq = seq;
  e.ts = ts;
  e.business_day = ts.substr(0, 10);
  e.type = type;
  e.payload = std::move(payload);
  return e;
}

json line(const std::string& sku, const char* unit, int64_t q, int64_t amount, int64_t discount = 0) {
  return {{"sku", sku}, {unit, q}, {"amount", amount}, {"discount", discount}};
}

// PEN's and APPLE's figures at HQ: {on_hand, reserved}.
std::map<std::string, std::pair<int64_t, int64_t>> mirrored_stock(hq::HqStore& hq) {
  std::map<std::string, std::pair<int64_t, int64_t>> out;
  for (const char* sku : {"PEN", "APPLE"}) {
    auto at = hq.stock_of(sku);
    REQUIRE(at);
    for (const hq::StockAt& s : *at) {
      CHECK(s.store_id == "S1");
      out[sku] = {s.on_hand, s.reserved};
    }
  }
  return out;
}

// The day's figures summed over its hours: by SKU ("" the receipts).
std::map<std::string, hq::SalesFigure> day(hq::HqStore& hq) {
  auto d = hq.sales_of("S1", "");
  REQUIRE(d);
  std::map<std::string, hq::SalesFigure> out;
  for (const auto& [k, f] : d->figures) {
    hq::SalesFigure& s = out[k.sku];
    s.count += f.count, s.quantity += f.quantity, s.amount += f.amount, s.returned += f.returned, s.refunded += f.refunded;
  }
  return out;
}

}  // namespace

TEST_CASE("a pass takes sales, voids, returns, movements and applied entries as the store moved stock, and skips what it cannot read", "[mirror]") {
  const Event sale = ev(2, "2026-12-02T09:15:00.000Z", "sale",
                        {{"receipt_no", 1}, {"total", 770}, {"lines", {line("PEN", "qty", 3, 300, 30), line("APPLE", "weight_g", 1250, 500)}}});
  const Event old = ev(3, "2026-12-02T10:00:00.000Z", "sale", {{"receipt_no", 7}, {"total", 5}, {"lines", {line("PEN", "qty", 1, 5)}}});
  int lookups = 0;
  hq::MirrorPass pass([&](std::optional<uint64_t> seq, int64_t receipt) -> Result<std::optional<Event>> {
    ++lookups;
    CHECK_FALSE(seq);  // a void of an old journal names no seq: found by its receipt number
    CHECK(receipt == 7);
    return std::optional<Event>(old);
  });
  REQUIRE(pass.take(sale));
  REQUIRE(pass.take(ev(4, "2026-12-02T11:30:00.000Z", "sale_voided", {{"receipt_no", 7}, {"total", 5}})));
  REQUIRE(pass.take(ev(5, "2026-12-02T11:31:00.000Z", "return",
                     {{"refund", 90}, {"lines", {{{"sku", "PEN"}, {"quantity", 1}, {"qty", 1}, {"refund", 90}}}}})));
  REQUIRE(pass.take(ev(6, "2026-12-02T11:32:00.000Z", "stock_movement",
                     {{"sku", "INK"}, {"type", "receive"}, {"delta", 10}, {"on_hand", 12}})));
  REQUIRE(pass.take(ev(7, "2026-12-02T11:33:00.000Z", "sale", {{"receipt_no", 8}, {"lines", "not lines"}})));
  REQUIRE(pass.take(ev(8, "2026-12-02T11:34:00.000Z", "hq_quarantined", {{"hq_seq", 3}, {"kind", "price"}, {"reason", "no SKU X"}})));
  REQUIRE(pass.take(ev(9, "2026-12-02T11:35:00.000Z", "low_stock", {{"sku", "PEN"}, {"on_hand", 1}, {"low_stock", 2}})));
  REQUIRE(pass.take(ev(11, "2026-12-02T11:35:30.000Z", "hq_applied", {{"hq_seq", 3}, {"kind", "price"}, {"change", json::object()}})));
  // A void of a sale in the same pass needs no lookup.
  REQUIRE(pass.take(ev(10, "2026-12-02T11:36:00.000Z", "sale_voided", {{"receipt_no", 1}, {"sale_seq", 2}, {"total", 770}})));
  CHECK(lookups == 1);
  CHECK(pass.skipped() == 1);

  const hq::MirrorDelta& d = pass.delta();
  CHECK(d.stock.at("PEN").delta == -3 + 1 + 1 + 3);   // sold 3, void of 1, returned 1, the sale voided
  CHECK(d.stock.at("APPLE").delta == 0);               // 1,250 g sold and voided
  CHECK(d.stock.at("INK").set == 12);                  // a movement carries the figure after it
  CHECK(d.stock.at("PEN").seq == 10);
  // The old sale is taken out of its own hour (10), the voided one out of 9.
  const hq::SalesFigure r9 = d.sales.at({"2026-12-02", 9, ""});
  CHECK(r9.count == 0);
  CHECK(r9.amount == 0);
  CHECK(d.sales.at({"2026-12-02", 10, "PEN"}).quantity == -1);
  CHECK(d.sales.at({"2026-12-02", 11, ""}).refunded == 90);
  CHECK(d.sales.at({"2026-12-02", 11, "PEN"}).returned == 1);
  REQUIRE(d.outcomes.size() == 1);  // hq_seq 3 twice: the last one counts
  CHECK(d.outcomes[0].applied);
  CHECK(d.outcomes[0].store_seq == 11);
  CHECK(hq::hour_of("2026-12-02T23:59:59.999Z") == 23);
  CHECK(hq::hour_of("garbage") == -1);
}

TEST_CASE("HQ's mirror follows a store's journal across batches, shows each change's delivery, and is rebuilt the same from the events at migration", "[ledger]") {
  test::TempDir dir;
  const std::string url = test::hq_database(dir.path());
  auto j = Journal::open({.db_path = dir.file("S1.db"), .store_id = "S1"});
  REQUIRE(j);
  auto hq = open_hq(url);
  REQUIRE(hq->register_store("S1", (*j)->public_key().pem()));
  // HQ's down-log entries 1-4, as the store's journal below applies them.
  REQUIRE(*hq->down_append("S1", {{"stock_snapshot", json::object()}, {"reservation", json::object()},
                                  {"price", json::object()}, {"reservation", json::object()}}) == 4);

  auto add = [&](const std::string& type, json payload) { REQUIRE((*j)->append(Entry{type, std::move(payload)})); };
  add("sale", {{"receipt_no", 1}, {"total", 770}, {"lines", {line("PEN", "qty", 3, 300, 30), line("APPLE", "weight_g", 1250, 500)}}});
  add("sale", {{"receipt_no", 2}, {"total", 100}, {"lines", {line("PEN", "qty", 1, 100)}}});  // seq 3
  add("sale", {{"receipt_no", 3}, {"total", 200}, {"lines", {line("PEN", "qty", 2, 200)}}});
  add("stock_movement", {{"sku", "PEN"}, {"type", "receive"}, {"delta", 50}, {"on_hand", 44}});
  add("return", {{"return_no", 1}, {"receipt_no", 1}, {"refund", 90}, {"lines", {{{"sku", "PEN"}, {"quantity", 1}, {"qty", 1}, {"refund", 90}}}}});
  add("hq_applied", {{"hq_seq", 1}, {"kind", "stock_snapshot"},
                     {"change", {{"as_of_store_seq", 3}, {"stock", {{{"sku", "APPLE"}, {"snapshot", 5000}, {"local_since", 1000}, {"on_hand", 6000}}}}}}});
  add("hq_applied", {{"hq_seq", 2}, {"kind", "reservation"},
                     {"change", {{"order_id", "W-1"}, {"action", "reserve"}, {"lines", {{{"sku", "PEN"}, {"qty", 2}}}}}}});
  add("hq_quarantined", {{"hq_seq", 3}, {"kind", "price"}, {"reason", "body.sku: \"X\" is not in the catalog"}});
  auto first = events_from(**j, 1);
  REQUIRE(hq->receive("S1", first)->stored == 9);
  CHECK(mirrored_stock(*hq) == std::map<std::string, std::pair<int64_t, int64_t>>{{"PEN", {43, 2}}, {"APPLE", {6000, 0}}});

  // The voids in a later batch find their sales among the events HQ holds:
  // by the seq the void names, and (an older journal) by receipt number.
  add("sale_voided", {{"receipt_no", 2}, {"sale_seq", 3}, {"total", 100}});
  add("sale_voided", {{"receipt_no", 3}, {"total", 200}});
  add("hq_applied", {{"hq_seq", 4}, {"kind", "reservation"},
                     {"change", {{"order_id", "W-1"}, {"action", "pick"}, {"lines", {{{"sku", "PEN"}, {"qty", 2}}}}}}});
  REQUIRE(hq->receive("S1", events_from(**j, first.events.size() + 1))->stored == 3);
  const auto after = mirrored_stock(*hq);
  CHECK(after == std::map<std::string, std::pair<int64_t, int64_t>>{{"PEN", {46, 0}}, {"APPLE", {6000, 0}}});
  const auto figures = day(*hq);
  CHECK(figures.at("").count == 1);
  CHECK(figures.at("").amount == 770);
  CHECK(figures.at("").refunded == 90);
  CHECK(figures.at("PEN").quantity == 3);
  CHECK(figures.at("PEN").amount == 270);
  CHECK(figures.at("PEN").returned == 1);
  CHECK(figures.at("APPLE").quantity == 1250);

  // A change: its entries follow the down-log's head, and each store's
  // standing comes from its journal.
  auto unknown = hq->unknown_skus({"PEN", "NEW"});
  REQUIRE(unknown);
  CHECK(*unknown == std::vector<std::string>{"NEW"});
  auto id = hq->publish("catalog", {"S1"}, {{"catalog_upsert", {{"items", {{{"sku", "NEW"}}}}}}, {"price", {{"sku", "PEN"}}}}, "");
  REQUIRE(id);
  CHECK(hq->unknown_skus({"NEW"})->empty());
  auto pending = hq->change(*id);
  REQUIRE(pending);
  REQUIRE(*pending);
  CHECK((*pending)->kind == "catalog");
  REQUIRE((*pending)->stores.size() == 1);
  CHECK((*pending)->stores[0].first == 5);
  CHECK((*pending)->stores[0].last == 6);
  CHECK((*pending)->stores[0].outcomes.empty());
  add("hq_applied", {{"hq_seq", 5}, {"kind", "catalog_upsert"}, {"change", json::object()}});
  add("hq_quarantined", {{"hq_seq", 6}, {"kind", "price"}, {"reason", "body.price: is required"}});
  REQUIRE(hq->receive("S1", events_from(**j, first.events.size() + 4))->stored == 2);
  auto done = hq->change(*id);
  REQUIRE((*done)->stores[0].outcomes.size() == 2);
  CHECK((*done)->stores[0].outcomes[0].applied);
  CHECK((*done)->stores[0].outcomes[0].store_seq == 13);
  CHECK_FALSE((*done)->stores[0].outcomes[1].applied);
  CHECK((*done)->stores[0].outcomes[1].reason == "body.price: is required");
  CHECK_FALSE(*hq->change(*id + 1));
  auto refused = hq->publish("price", {"S1"}, {}, "");
  REQUIRE_FALSE(refused);

  // Taken back to version 2 (no mirror), and opened: the mirror is made
  // again from the events alone, the same.
  hq.reset();
  const std::string drop = "DROP TABLE hq_stock; DROP TABLE hq_sales; DROP TABLE hq_down_outcome; DROP TABLE hq_reservation;";
  if (test::hq_on_postgres()) {
    auto psql = test::run({"psql", "-X", url, "-v", "ON_ERROR_STOP=1", "-c",
                           drop + "DROP TABLE hq_change; DROP TABLE hq_change_store; DROP TABLE hq_catalog_sku; "
                                  "DROP INDEX hq_rejected_store; DROP TABLE hq_feed; DELETE FROM hq_schema WHERE version >= 3"});
    REQUIRE(psql.exit_code == 0);
  } else {
    auto db = sql::Db::open(url);
    REQUIRE(db->exec(drop + "PRAGMA user_version = 2"));
  }
  auto again = open_hq(url);
  CHECK(mirrored_stock(*again) == after);
  const auto rebuilt = day(*again);
  CHECK(rebuilt.at("").amount == 770);
  CHECK(rebuilt.at("PEN").returned == 1);
  CHECK(rebuilt.at("APPLE").quantity == 1250);
}

TEST_CASE("a pass leaves out what PostgreSQL cannot hold or 64 bits cannot count, and the batch is stored all the same", "[ledger]") {
  test::TempDir dir;
  auto j = Journal::open({.db_path = dir.file("S1.db"), .store_id = "S1"});
  REQUIRE(j);
  auto hq = open_hq(test::hq_database(dir.path()));
  REQUIRE(hq->register_store("S1", (*j)->public_key().pem()));
  auto add = [&](const std::string& type, json payload) { REQUIRE((*j)->append(Entry{type, std::move(payload)})); };
  add("sale", {{"receipt_no", 1}, {"total", 5}, {"lines", {line(std::string("A\0B", 3), "qty", 1, 5)}}});
  add("hq_applied", {{"hq_seq", 1}, {"kind", "price"}, {"change", json::object()}});
  add("hq_quarantined", {{"hq_seq", 1}, {"kind", "price"}, {"reason", "the same hq_seq again"}});
  add("stock_movement", {{"sku", "PEN"}, {"type", "count"}, {"delta", 0}, {"on_hand", INT64_MAX}});
  add("return", {{"return_no", 1}, {"refund", 1}, {"lines", {{{"sku", "PEN"}, {"quantity", 1}, {"qty", 1}, {"refund", 1}}}}});
  auto r = hq->receive("S1", events_from(**j, 1));
  REQUIRE(r);
  CHECK(r->stored == 6);
  CHECK(r->rejected.empty());
  auto pen = hq->stock_of("PEN");
  REQUIRE(pen);
  REQUIRE(pen->size() == 1);
  CHECK((*pen)[0].on_hand == INT64_MAX);  // the return past 64 bits is left out, not wrapped
  auto nul = hq->stock_of(std::string("A\0B", 3));  // PostgreSQL refuses to look it up; SQLite finds nothing
  CHECK((!nul || nul->empty()));
  // Across batches too: a sum past 64 bits keeps the figure held.
  add("return", {{"return_no", 2}, {"refund", 1}, {"lines", {{{"sku", "PEN"}, {"quantity", 1}, {"qty", 1}, {"refund", 1}}}}});
  REQUIRE(hq->receive("S1", events_from(**j, 7))->stored == 1);
  CHECK((*hq->stock_of("PEN"))[0].on_hand == INT64_MAX);
}
