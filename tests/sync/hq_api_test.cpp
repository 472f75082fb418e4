// posd-hq's API (docs/hq-openapi.yaml) against real stores: a real
// Mosquitto, posd stores and posd-hq as processes, the API on a real socket.
#include <catch2/catch.hpp>

#include "base/digest.h"
#include "storage/journal.h"
#include "storage/sqlite.h"
#include "tests/daemon/node.h"
#include "tests/sync/feed_consumer.h"
#include "tests/sync/hq_fixture.h"

using namespace posd;
using json = nlohmann::json;

namespace {

const std::string kViewer = "viewer-token-0123456789";
const std::string kOperator = "operator-token-0123456789";

// posd-hq serve with its API on a free port, plain HTTP on loopback.
struct ApiWorld {
  ApiWorld() {
    test::write_text(dir.file("tokens.json"),
                     json{{"tokens", {{{"name", "webshop"}, {"role", "viewer"}, {"token", kViewer}},
                                      {{"name", "pricing"}, {"role", "operator"}, {"token", "sha256:" + to_hex(sha256(kOperator))}}}}}
                         .dump());
    broker.start();
    start_hq();
  }
  void start_hq() {
    hq.start({"--api", "127.0.0.1:" + std::to_string(port), "--api-tokens", dir.file("tokens.json"), "--api-plain"});
  }
  test::Lane viewer() const { return test::Lane(port, kViewer); }
  test::Lane operator_() const { return test::Lane(port, kOperator); }
  test::TempDir dir;
  test::Broker broker{dir};
  test::Hq hq{dir, broker};
  uint16_t port = test::unused_port();
};

int64_t store_on_hand(const test::Store& s, const std::string& sku) {
  auto r = test::Lane(s.port(), test::kStoreToken).get("/v1/stock/" + sku);
  REQUIRE(r.status == 200);
  return r.json()["on_hand"].get<int64_t>();
}

uint64_t journal_head(const test::Store& s) {
  auto events = test::journal_events(s.db());
  return events.empty() ? 0 : events.back().seq;
}

// The HTTP status an upgrade of /v1/feed is answered with (101: accepted).
int feed_upgrade_status(uint16_t port, const std::string& token, const std::string& target,
                        const std::string& last_event_id = "") {
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
  if (!last_event_id.empty()) req += "Last-Event-ID: " + last_event_id + "\r\n";
  const std::string answer = test::raw_exchange(port, req + "\r\n", 2000);
  // "HTTP/1.1 401 Unauthorized": the code after the first space.
  const auto space = answer.find(' ');
  return space == std::string::npos ? 0 : std::atoi(answer.c_str() + space + 1);
}


json change(const ApiWorld& w, int64_t id) {
  auto r = w.viewer().get("/v1/changes/" + std::to_string(id));
  REQUIRE(r.status == 200);
  return r.json();
}

std::string status_at(const json& change, const std::string& store) {
  for (const json& s : change["stores"]) {
    if (s["store_id"] == store) return s["status"];
  }
  return "absent";
}

}  // namespace

TEST_CASE("HQ's availability equals each store's own stock after a mixed day with HQ and the broker restarted, and a price through the API shows its delivery", "[hq]") {
  ApiWorld w;
  test::Store s1(w.dir, w.broker, w.hq, "S1");
  test::Store s2(w.dir, w.broker, w.hq, "S2");
  // Another channel follows the feed from its start, through every restart.
  test::FeedConsumer consumer(w.port, kViewer);
  s1.start();
  s2.start();
  REQUIRE(test::wait_until([&] { return s1.status()["hq"]["link"] == "up" && s2.status()["hq"]["link"] == "up"; }, 20));
  const test::Lane lane1(s1.port(), test::kStoreToken);

  // A day at S1: unit and weighed sales, a void, a return, goods received, a count.
  REQUIRE(s1.sell("BREAD") > 0);
  const int64_t voided = s1.sell("MILK-1L");
  REQUIRE(voided > 0);
  std::string b = lane1.open_basket();
  lane1.scan(b, {"APPLES@1250", "PEN-BLUE", "PEN-BLUE"});
  auto sold = lane1.pay_cash_and_complete(b);
  REQUIRE(sold.status == 200);
  const int64_t receipt = sold.json()["receipt_no"];
  REQUIRE(lane1.post("/v1/sales/" + std::to_string(voided) + "/void").status == 200);
  REQUIRE(lane1.post("/v1/returns", {{"receipt_no", receipt}, {"lines", {{{"line", 2}, {"qty", 1}}}}}).status == 201);
  REQUIRE(lane1.post("/v1/stock/movements", {{"sku", "COFFEE-500"}, {"type", "receive"}, {"qty", 12}}).status == 201);
  REQUIRE(lane1.post("/v1/stock/movements", {{"sku", "WINE-RED"}, {"type", "count"}, {"qty", 7}}).status == 201);
  REQUIRE(s2.sell("BREAD") > 0);
  consumer.drop();  // the consumer's connection drops mid-day; it resumes with Last-Event-ID
  REQUIRE(test::wait_until([&] { return consumer.connections() == 2; }, 20));
  // The void names its sale's seq: HQ finds the sale's lines by key.
  uint64_t sale_seq = 0, named = 0;
  for (const Event& e : test::journal_events(s1.db())) {
    if (e.type == "sale" && e.payload["receipt_no"] == voided) sale_seq = e.seq;
    if (e.type == "sale_voided") named = e.payload.value("sale_seq", uint64_t{0});
  }
  CHECK(sale_seq > 0);
  CHECK(named == sale_seq);

  // HQ and the broker restart in the middle of the day.
  w.hq.stop();
  REQUIRE(s1.sell("WATER-6") > 0);
  w.broker.stop();
  REQUIRE(s2.sell("CHOC-DARK") > 0);
  w.broker.start();
  w.start_hq();

  // A stock snapshot through the API (as of all HQ holds of S2, so the
  // store adds no local moves to it), and a click-and-collect order reserved.
  REQUIRE(test::wait_until([&] { return test::hq_acked(w.hq, "S2") == journal_head(s2); }, 20));
  auto snap = w.operator_().post("/v1/stock-snapshots", {{"store", "S2"}, {"stock", {{{"sku", "BATTERY-AA4"}, {"on_hand", 25}}}}});
  REQUIRE(snap.status == 202);
  w.hq.cli({"send", "--store", "S1", "--kind", "reservation",
            "--body", R"({"order_id": "W-1", "action": "reserve", "lines": [{"sku": "NOTEBOOK-A5", "qty": 3}]})"});
  // One order picked at S1, one released at S2.
  w.hq.cli({"send", "--store", "S1", "--kind", "reservation",
            "--body", R"({"order_id": "W-2", "action": "reserve", "lines": [{"sku": "PEN-BLUE", "qty": 2}]})"});
  w.hq.cli({"send", "--store", "S1", "--kind", "reservation", "--body", R"({"order_id": "W-2", "action": "pick"})"});
  w.hq.cli({"send", "--store", "S2", "--kind", "reservation",
            "--body", R"({"order_id": "W-3", "action": "reserve", "lines": [{"sku": "PEN-RED", "qty": 4}]})"});
  w.hq.cli({"send", "--store", "S2", "--kind", "reservation", "--body", R"({"order_id": "W-3", "action": "release"})"});
  REQUIRE(s1.sell("BREAD") > 0);
  REQUIRE(test::wait_until([&] { return status_at(change(w, snap.json()["change_id"]), "S2") == "applied"; }, 20));
  REQUIRE(test::wait_until([&] { return w.hq.report("S1")["down_log"]["acked_by_store"] == w.hq.report("S1")["down_log"]["last_hq_seq"]; }, 20));
  REQUIRE(test::wait_until([&] { return w.hq.report("S2")["down_log"]["acked_by_store"] == w.hq.report("S2")["down_log"]["last_hq_seq"]; }, 20));
  REQUIRE(test::wait_until([&] {
    return test::hq_acked(w.hq, "S1") == journal_head(s1) && test::hq_acked(w.hq, "S2") == journal_head(s2);
  }, 20));

  // For every SKU of the catalog, HQ's figure for each store is the store's own.
  const std::vector<std::string> skus = {"PEN-BLUE", "PEN-RED", "NOTEBOOK-A5", "MILK-1L", "BREAD", "COFFEE-500",
                                         "CHOC-DARK", "WATER-6", "BATTERY-AA4", "WINE-RED", "APPLES", "CHEESE-COMTE"};
  int compared = 0;
  for (const std::string& sku : skus) {
    auto r = w.viewer().get("/v1/availability/" + sku);
    REQUIRE(r.status == 200);
    INFO(r.body);
    std::map<std::string, int64_t> at_hq;
    const json answer = r.json();
    for (const json& s : answer["stores"]) {
      at_hq[s["store_id"].get<std::string>()] = s["on_hand"].get<int64_t>();
      CHECK(s["as_of_seq"] == test::hq_acked(w.hq, s["store_id"]));
    }
    for (const test::Store* s : {&s1, &s2}) {
      INFO(sku << " at " << s->id());
      CHECK(at_hq[s->id()] == store_on_hand(*s, sku));
      ++compared;
    }
  }
  CHECK(compared == 24);
  // What was moved here is visible: the snapshot, the count, the reservation.
  auto notebook = w.viewer().get("/v1/availability/NOTEBOOK-A5").json();
  CHECK(notebook["stores"][0]["reserved"] == 3);
  CHECK(store_on_hand(s1, "WINE-RED") == 7);
  CHECK(store_on_hand(s2, "BATTERY-AA4") == 25);
  CHECK(store_on_hand(s1, "PEN-BLUE") == 37);  // two sold, one returned, two collected
  CHECK(store_on_hand(s2, "PEN-RED") == 40);           // reserved, then released
  auto batch = w.viewer().post("/v1/availability", {{"skus", {"BREAD", "NO-SUCH"}}});
  REQUIRE(batch.status == 200);
  CHECK(batch.json()["items"][1]["stores"].empty());

  // The store's day as HQ holds it: receipts less the void, the return.
  auto day = w.viewer().get("/v1/stores/S1").json();
  CHECK(day["held_seq"] == journal_head(s1));
  CHECK(day["lag"] == 0);
  CHECK(day["sales"]["receipts"] == 4);  // BREAD, APPLES+PENs, WATER, BREAD; the MILK sale voided
  CHECK(day["sales"]["refunded"].get<int64_t>() > 0);

  // A price for every store while S2 is away: S1 applies it, S2 when it returns.
  s2.stop();
  auto price = w.operator_().post("/v1/prices", {{"prices", {{{"sku", "BREAD"}, {"price", 333}}}}});
  REQUIRE(price.status == 202);
  const int64_t id = price.json()["change_id"];
  REQUIRE(test::wait_until([&] { return status_at(change(w, id), "S1") == "applied"; }, 20));
  CHECK(status_at(change(w, id), "S2") == "pending");
  CHECK(test::Lane(s1.port(), test::kStoreToken).get("/v1/items/BREAD").json()["unit_price"] == 333);
  s2.start();
  REQUIRE(test::wait_until([&] { return status_at(change(w, id), "S2") == "applied"; }, 20));
  const json done = change(w, id);
  CHECK(done["summary"]["applied"] == 2);
  for (const json& s : done["stores"]) CHECK(s["store_seq"].get<uint64_t>() > 0);

  // The feed: the consumer, which lost its connection twice (a drop, posd-hq
  // restarted), got every row HQ keeps once, in order.
  REQUIRE(test::wait_until([&] { return test::hq_acked(w.hq, "S2") == journal_head(s2); }, 20));
  const auto kept = test::read_feed(w.port, kViewer);
  REQUIRE_FALSE(kept.empty());
  REQUIRE(test::wait_until([&] { return consumer.last_id() == kept.back()["id"]; }, 20));
  consumer.stop();
  INFO("hellos: " << json(consumer.control()).dump());
  CHECK(consumer.connections() >= 3);
  const auto got = consumer.rows();
  REQUIRE(got.size() == kept.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("row " << i);
    CHECK(got[i] == kept[i]);
    if (i > 0) CHECK(got[i]["id"].get<uint64_t>() > got[i - 1]["id"].get<uint64_t>());
  }
  // Its last stock row of each (store, SKU) is the store's own figure; it
  // saw the order reserved, the price applied at both, S2 leave and return.
  std::map<std::pair<std::string, std::string>, int64_t> last_stock;
  int reserved = 0, picked = 0, released = 0, applied = 0, s2_offline = 0;
  for (const json& r : got) {
    const std::string type = r["type"], store = r["store_id"];
    if (type == "stock") last_stock[{store, r["sku"].get<std::string>()}] = r["on_hand"];
    if (type == "order" && r["order_id"] == "W-1" && r["status"] == "reserved") ++reserved;
    if (type == "order" && r["order_id"] == "W-2" && r["status"] == "picked") ++picked;
    if (type == "order" && r["order_id"] == "W-3" && r["status"] == "released") ++released;
    if (type == "delivery" && r["kind"] == "price" && r["applied"] == true) ++applied;
    if (type == "store" && store == "S2" && r["online"] == false) ++s2_offline;
  }
  CHECK(last_stock.size() >= 10);
  for (const auto& [at, on_hand] : last_stock) {
    INFO(at.second << " at " << at.first);
    CHECK(on_hand == store_on_hand(at.first == "S1" ? s1 : s2, at.second));
  }
  CHECK(reserved == 1);
  CHECK(picked == 1);
  CHECK(released == 1);
  CHECK(applied == 2);
  CHECK(s2_offline >= 1);
}

TEST_CASE("HQ's API needs a token, lets only operators publish, refuses unknown stores and SKUs before appending, and shows a quarantined change", "[hq]") {
  ApiWorld w;
  test::Store s1(w.dir, w.broker, w.hq, "S1");
  s1.start();
  REQUIRE(test::wait_until([&] { return s1.status()["hq"]["link"] == "up"; }, 20));
  REQUIRE(test::wait_until([&] { return test::hq_acked(w.hq, "S1") == journal_head(s1); }, 20));
  const json price = {{"prices", {{{"sku", "BREAD"}, {"price", 250}}}}};

  CHECK(test::Lane(w.port, "").get("/v1/stores").status == 401);
  CHECK(test::Lane(w.port, "wrong-token-0123456789").get("/v1/availability/BREAD").status == 401);
  auto denied = w.viewer().post("/v1/prices", price);
  CHECK(denied.status == 403);
  CHECK(denied.json()["error"]["code"] == "forbidden");
  CHECK(w.viewer().get("/v1/stores").status == 200);
  // The feed too needs a token, and a position that is an id.
  CHECK(feed_upgrade_status(w.port, "", "/v1/feed") == 401);
  CHECK(feed_upgrade_status(w.port, "wrong-token-0123456789", "/v1/feed") == 401);
  CHECK(feed_upgrade_status(w.port, kViewer, "/v1/feed?after=-1") == 400);
  CHECK(feed_upgrade_status(w.port, kViewer, "/v1/feed", "12x") == 400);
  CHECK(feed_upgrade_status(w.port, kViewer, "/v1/feed?after=3") == 101);
  CHECK(w.viewer().get("/v1/feed").status == 426);

  const uint64_t head = w.hq.report("S1")["down_log"]["last_hq_seq"];
  auto unknown_store = w.operator_().post("/v1/prices", {{"stores", {"S1", "S9"}}, {"prices", {{{"sku", "BREAD"}, {"price", 1}}}}});
  CHECK(unknown_store.status == 404);
  CHECK(unknown_store.json()["error"]["code"] == "unknown_store");
  auto unknown_sku = w.operator_().post("/v1/prices", {{"prices", {{{"sku", "NO-SUCH"}, {"price", 1}}}}});
  CHECK(unknown_sku.status == 404);
  CHECK(unknown_sku.json()["error"]["code"] == "unknown_sku");
  auto bad = w.operator_().post("/v1/prices", {{"prices", {{{"sku", "BREAD"}, {"price", -5}}}}});
  CHECK(bad.status == 400);
  CHECK(bad.json()["error"]["message"].get<std::string>().rfind("prices[0].price: ", 0) == 0);
  CHECK(w.operator_().post("/v1/stock-snapshots", {{"store", "S1"}, {"as_of_store_seq", 1000000}, {"stock", {{{"sku", "BREAD"}, {"on_hand", 1}}}}}).status == 400);
  CHECK(w.hq.report("S1")["down_log"]["last_hq_seq"] == head);  // nothing was appended

  // A SKU HQ knows from a catalog it published to S2 (registered, never
  // started), but not in S1's catalog: a price for it is quarantined at S1,
  // with the store's reason, and the catalog stays pending at S2.
  test::Store s2(w.dir, w.broker, w.hq, "S2");
  auto catalog = w.operator_().post("/v1/catalog", {{"stores", {"S2"}}, {"catalog", {{"tax_classes", {{{"id", "standard"}, {"rate_bp", 2000}}}},
      {"items", {{{"sku", "GIFT-BOX"}, {"name", "Gift box"}, {"price", 500}, {"unit", "each"}, {"tax_class", "standard"}}}}}}});
  INFO(catalog.body);
  REQUIRE(catalog.status == 202);
  auto gift = w.operator_().post("/v1/prices", {{"stores", {"S1"}}, {"prices", {{{"sku", "GIFT-BOX"}, {"price", 1}}}}});
  REQUIRE(gift.status == 202);
  auto good = w.operator_().post("/v1/prices", {{"stores", {"S1"}}, {"prices", {{{"sku", "BREAD"}, {"price", 250}}}}});
  REQUIRE(good.status == 202);
  REQUIRE(test::wait_until([&] { return status_at(change(w, good.json()["change_id"]), "S1") == "applied"; }, 20));
  const json q = change(w, gift.json()["change_id"]);
  INFO(q.dump());
  CHECK(status_at(q, "S1") == "quarantined");
  CHECK(q["stores"][0]["reason"].get<std::string>().find("GIFT-BOX") != std::string::npos);
  CHECK(q["summary"]["quarantined"] == 1);
  // The store shows it as an alert, for the dashboard.
  const json row = w.viewer().get("/v1/stores/S1").json();
  CHECK(row["quarantined"] == 1);
  bool alerted = false;
  for (const json& a : row["alerts"]) alerted = alerted || a["kind"] == "quarantined";
  CHECK(alerted);
  const json recent = w.viewer().get("/v1/changes?limit=2").json();
  REQUIRE(recent["changes"].size() == 2);
  CHECK(recent["changes"][0]["change_id"] == good.json()["change_id"]);
  CHECK(w.viewer().get("/v1/changes?limit=0").status == 400);
  CHECK(w.viewer().get("/v1/changes?limit=101").status == 400);
  CHECK(status_at(change(w, catalog.json()["change_id"]), "S2") == "pending");
  CHECK(w.viewer().get("/v1/changes/999999").status == 404);
}

TEST_CASE("a click-and-collect order within stock is reserved and lowers availability at once, is released when cancelled, and one the store cannot serve shows refused", "[hq]") {
  ApiWorld w;
  test::Store s1(w.dir, w.broker, w.hq, "S1");
  s1.start();
  REQUIRE(test::wait_until([&] { return s1.status()["hq"]["link"] == "up"; }, 20));
  REQUIRE(test::wait_until([&] { return test::hq_acked(w.hq, "S1") == journal_head(s1); }, 20));
  auto available = [&](const std::string& sku) { return w.viewer().get("/v1/availability/" + sku).json()["available"].get<int64_t>(); };
  auto order = [&](const std::string& ref) { return w.viewer().get("/v1/reservations/" + ref).json(); };
  REQUIRE(available("PEN-RED") == 40);

  auto made = w.operator_().post("/v1/reservations", {{"store", "S1"}, {"order_ref", "WEB-1001"}, {"sku", "PEN-RED"}, {"qty", 3}});
  INFO(made.body);
  REQUIRE(made.status == 202);
  // The store may already have applied it (HQ publishes at once): pending or reserved, nothing else.
  const std::string first = order("WEB-1001")["status"];
  CHECK((first == "pending" || first == "reserved"));
  REQUIRE(test::wait_until([&] { return order("WEB-1001")["status"] == "reserved"; }, 20));
  CHECK(available("PEN-RED") == 37);
  CHECK(store_on_hand(s1, "PEN-RED") == 37);
  CHECK(w.operator_().post("/v1/reservations", {{"store", "S1"}, {"order_ref", "WEB-1001"}, {"sku", "PEN-RED"}, {"qty", 1}}).status == 409);

  // Cancelled: the store puts the stock back, and HQ shows it released.
  REQUIRE(w.operator_().del("/v1/reservations/WEB-1001").status == 202);
  REQUIRE(test::wait_until([&] { return order("WEB-1001")["status"] == "released"; }, 20));
  CHECK(available("PEN-RED") == 40);
  CHECK(w.operator_().del("/v1/reservations/WEB-1001").status == 409);

  // More than the shelf has: the store refuses it, with its reason, and nothing moves.
  auto big = w.operator_().post("/v1/reservations", {{"store", "S1"}, {"order_ref", "WEB-1002"},
                                                     {"lines", {{{"sku", "PEN-RED"}, {"qty", 2}}, {{"sku", "BREAD"}, {"qty", 500}}}}});
  REQUIRE(big.status == 202);
  REQUIRE(test::wait_until([&] { return order("WEB-1002")["status"] == "refused"; }, 20));
  CHECK(order("WEB-1002")["reason"].get<std::string>().find("cannot be served") != std::string::npos);
  CHECK(available("PEN-RED") == 40);
  CHECK(store_on_hand(s1, "BREAD") == 40);

  // Picked: the goods left with the customer; the stock stays out.
  REQUIRE(w.operator_().post("/v1/reservations", {{"store", "S1"}, {"order_ref", "WEB-1003"}, {"sku", "PEN-RED"}, {"qty", 1}}).status == 202);
  REQUIRE(w.operator_().post("/v1/reservations/WEB-1003/pick").status == 202);
  REQUIRE(test::wait_until([&] { return order("WEB-1003")["status"] == "picked"; }, 20));
  CHECK(available("PEN-RED") == 39);
  CHECK(w.viewer().del("/v1/reservations/WEB-1003").status == 403);
  CHECK(w.viewer().get("/v1/reservations/WEB-9999").status == 404);
  CHECK(w.operator_().post("/v1/reservations", {{"store", "S1"}, {"order_ref", "WEB-1004"}, {"sku", "PEN-RED"}, {"qty", 0}}).status == 400);
  // An order id goes into a URL and a header: no line breaks, no slashes.
  auto split = w.operator_().post("/v1/reservations", {{"store", "S1"}, {"order_ref", "W\r\nSet-Cookie: x=y"}, {"sku", "PEN-RED"}, {"qty", 1}});
  CHECK(split.status == 400);
  CHECK(split.headers.count("set-cookie") == 0);

  // With the store away, a cancel is asked; a pick after it is refused until the store has applied it.
  s1.stop();
  REQUIRE(w.operator_().post("/v1/reservations", {{"store", "S1"}, {"order_ref", "WEB-1005"}, {"sku", "PEN-RED"}, {"qty", 1}}).status == 202);
  CHECK(order("WEB-1005")["status"] == "pending");
  REQUIRE(w.operator_().del("/v1/reservations/WEB-1005").status == 202);
  auto busy = w.operator_().post("/v1/reservations/WEB-1005/pick");
  CHECK(busy.status == 409);
  CHECK(busy.json()["error"]["code"] == "reservation_busy");
  s1.start();
  REQUIRE(test::wait_until([&] { return order("WEB-1005")["status"] == "released"; }, 20));
}

TEST_CASE("HQ's API over HTTPS answers a client that trusts HQ's CA, and posd-hq refuses to serve it without a certificate or with a bad tokens file", "[hq]") {
  test::TempDir dir;
  test::Broker broker(dir);
  test::Hq hq(dir, broker);
  broker.start();
  test::Pki& pki = test::Pki::get();
  test::write_text(dir.file("tokens.json"), json{{"tokens", {{{"name", "webshop"}, {"role", "viewer"}, {"token", kViewer}}}}}.dump());
  const uint16_t port = test::unused_port();
  const std::string at = "127.0.0.1:" + std::to_string(port);
  hq.start({"--api", at, "--api-tokens", dir.file("tokens.json"), "--api-cert", pki.cert("broker"), "--api-key",
            pki.key("broker")});
  // The certificate checked against the CA, and the request over TLS.
  auto tls = test::run({"openssl", "s_client", "-connect", at, "-CAfile", pki.ca(), "-verify_return_error", "-quiet"},
                       "GET /v1/stores HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + kViewer +
                           "\r\nConnection: close\r\n\r\n");
  INFO(tls.out << tls.err);
  CHECK(tls.out.find("HTTP/1.1 200") != std::string::npos);
  CHECK(tls.out.find("\"stores\":[]") != std::string::npos);
  // Plain HTTP to the TLS port gets no answer.
  CHECK(test::raw_exchange(port, "GET /v1/stores HTTP/1.1\r\nHost: x\r\n\r\n", 2000).find("HTTP/1.1 200") == std::string::npos);
  hq.stop();

  auto refused = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> argv{test::bin("posd-hq"), "serve", "--db", hq.db(), "--url", broker.url(), "--api", at};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = test::run(argv);
    CHECK(r.exit_code == 2);
    return r.err;
  };
  CHECK(refused({"--api-tokens", dir.file("tokens.json")}).find("--api serves HTTPS: give --api-cert and --api-key") != std::string::npos);
  CHECK(refused({}).find("--api needs --api-tokens") != std::string::npos);
  test::write_text(dir.file("bad.json"), R"({"tokens": [{"name": "a", "role": "admin", "token": "0123456789abcdef"}]})");
  CHECK(refused({"--api-tokens", dir.file("bad.json"), "--api-plain"}).find("tokens[0].role: must be viewer or operator") != std::string::npos);
  test::write_text(dir.file("short.json"), R"({"tokens": [{"name": "a", "role": "viewer", "token": "short"}]})");
  const std::string err = refused({"--api-tokens", dir.file("short.json"), "--api-plain"});
  CHECK(err.find("tokens[0].token: must be at least 16 characters") != std::string::npos);
  CHECK(err.find("short\"") == std::string::npos);  // the token itself is never shown
}

TEST_CASE("a feed consumer whose rows were dropped hears of it with a gap, never a silent jump, and a position the feed never gave starts from the newest", "[hq]") {
  ApiWorld w;
  test::Store s1(w.dir, w.broker, w.hq, "S1");
  s1.start();
  REQUIRE(test::wait_until([&] { return test::hq_acked(w.hq, "S1") == journal_head(s1); }, 20));
  REQUIRE(s1.sell("BREAD") > 0);
  REQUIRE(test::wait_until([&] { return test::hq_acked(w.hq, "S1") == journal_head(s1); }, 20));
  const uint64_t seen = test::read_feed(w.port, kViewer).back()["id"];

  // More rows, then retention (another instance's, done here by hand)
  // drops some that a consumer away has not read.
  REQUIRE(s1.sell("MILK-1L") > 0);
  REQUIRE(s1.sell("BREAD") > 0);
  REQUIRE(test::wait_until([&] { return test::hq_acked(w.hq, "S1") == journal_head(s1); }, 20));
  const auto newer = test::read_feed(w.port, kViewer, seen);
  REQUIRE(newer.size() >= 3);
  const uint64_t dropped_through = newer[1]["id"];
  auto drop = [&](uint64_t through) {
    const std::string sql = "DELETE FROM hq_feed WHERE id <= " + std::to_string(through);
    if (test::hq_on_postgres()) {
      REQUIRE(test::run({"psql", "-X", w.hq.db(), "-v", "ON_ERROR_STOP=1", "-c", sql}).exit_code == 0);
    } else {
      auto db = sql::Db::open(w.hq.db());
      REQUIRE(db);
      REQUIRE(db->exec(sql));
    }
  };
  drop(dropped_through);

  // Resuming where it stood: a gap that names the oldest row kept, then
  // every row from there.
  test::FeedConsumer resumed(w.port, kViewer, seen);
  REQUIRE(test::wait_until([&] { return resumed.last_id() == newer.back()["id"]; }, 20));
  resumed.stop();
  const auto said = resumed.control();
  REQUIRE(said.size() == 2);
  CHECK(said[0]["type"] == "hello");
  CHECK(said[1]["type"] == "gap");
  CHECK(said[1]["after"] == seen);
  CHECK(said[1]["oldest_id"] == dropped_through + 1);
  CHECK(resumed.rows().front()["id"] == dropped_through + 1);

  // Every row dropped: the consumer is placed where it asked, and the gap
  // comes with the next row.
  drop(newer.back()["id"]);
  test::FeedConsumer emptied(w.port, kViewer, seen);
  REQUIRE(test::wait_until([&] { return emptied.control().size() == 1; }, 20));
  REQUIRE(s1.sell("BREAD") > 0);
  REQUIRE(test::wait_until([&] { return !emptied.rows().empty(); }, 20));
  emptied.stop();
  REQUIRE(emptied.control().size() == 2);
  CHECK(emptied.control()[1]["type"] == "gap");
  CHECK(emptied.control()[1]["oldest_id"] == emptied.rows().front()["id"]);
  CHECK(emptied.rows().front()["id"].get<uint64_t>() > newer.back()["id"].get<uint64_t>());

  // A position this feed never gave (another HQ's): a gap, from the newest.
  test::FeedConsumer stranger(w.port, kViewer, 1'000'000'000);
  REQUIRE(test::wait_until([&] { return stranger.control().size() == 2; }, 20));
  stranger.stop();
  CHECK(stranger.control()[1]["type"] == "gap");
  CHECK(stranger.control()[1]["after"] == 1'000'000'000);
  CHECK(stranger.rows().empty());
}
