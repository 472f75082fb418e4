// What a hostile client on the store LAN tries, over a real socket: bytes that
// are not text, WebSocket subscribers that never read, request framing that
// smuggles, methods that would grow /metrics, amounts that would wrap, and card
// numbers behind separators. Each answer is a precise 4xx and the node goes on
// serving everyone else.
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "barcode/gs1.h"
#include "storage/catalog_json.h"
#include "tests/daemon/node.h"

using namespace posd;
using json = nlohmann::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

// A terminal's event stream whose reader is as slow as we choose: a 4 KiB
// receive buffer, read only when told.
class SlowSubscriber {
 public:
  explicit SlowSubscriber(uint16_t port) : ws_(ioc_) {
    ws_.next_layer().open(tcp::v4());
    ws_.next_layer().set_option(asio::socket_base::receive_buffer_size(4096));
    ws_.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    ws_.set_option(beast::websocket::stream_base::decorator([](beast::websocket::request_type& req) {
      req.set(beast::http::field::authorization, "Bearer " + test::kCashierToken);
    }));
    ws_.handshake("127.0.0.1", "/v1/events");
    ws_.read_message_max(0);
  }
  // The next message as text; empty once the server has closed.
  std::string next() {
    beast::flat_buffer buf;
    beast::error_code ec;
    ws_.read(buf, ec);
    return ec ? std::string() : beast::buffers_to_string(buf.data());
  }
  beast::error_code write(const std::string& text) {
    beast::error_code ec;
    ws_.write(asio::buffer(text), ec);
    return ec;
  }

 private:
  asio::io_context ioc_;
  beast::websocket::stream<tcp::socket> ws_;
};

// An item sold by GS1 price labels (AI 3922: price with two decimals).
void load_label_item(Journal& journal) {
  auto c = parse_catalog(json::parse(R"({
    "tax_classes": [{"id": "std", "rate_bp": 2000}],
    "items": [{"sku": "MEAT", "name": "Meat tray", "price": 0, "tax_class": "std", "gtins": ["09506000134352"]},
              {"sku": "TV", "name": "Television", "price": 99999999999, "tax_class": "std", "gtins": []}]})"));
  REQUIRE(c);
  REQUIRE(journal.write([&](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (Status s = catalog::replace(ctx.db, *c); !s) return s;
    return std::vector<Entry>{{"catalog_imported", {{"items", 2}}}};
  }));
}

// GS1-128 data: the meat tray's GTIN and a price of `minor` (AI 3922: two decimals).
std::string price_label(int64_t minor) { return "]C10109506000134352" "3922" + std::to_string(minor); }
// The largest price AI 392n can carry: 15 digits of whole units (AI 3920), 9.99e16 minor units.
const std::string kLargestLabel = "]C10109506000134352" "3920" "999999999999999";

}  // namespace

TEST_CASE("bytes that are not UTF-8 get a 400, never a crash", "[hostile][utf8]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string basket = lane.open_basket();
  // Without a token, and with one: every captured path segment is checked once decoded.
  const std::vector<std::string> targets = {"/web/%FF", "/v1/items/%FF", "/v1/sales/%FF", "/v1/baskets/%C0%AF",
                                            "/v1/stock/%ED%A0%80", "/v1/baskets/" + basket + "/lines/%FE"};
  for (const std::string& target : targets) {
    INFO(target);
    for (const std::string& token : {std::string(), test::kCashierToken}) {
      auto r = test::request(node.port(), target.find("/lines/") != std::string::npos ? "DELETE" : "GET", target, token);
      CHECK(r.status == 400);
      CHECK(r.json()["error"]["code"] == "invalid_path");
    }
  }
  // A valid body whose symbology identifier cuts a character in two.
  auto r = lane.post("/v1/baskets/" + basket + "/lines", {{"code", "]X\u00e9"}});
  CHECK(r.status == 422);
  CHECK(r.json()["error"] == json({{"code", "bad_barcode"}, {"message", "]X\u00e9: unknown symbology identifier"}}));
  CHECK(lane.get("/v1/items/%5DX%C3%A9").json()["error"]["code"] == "bad_barcode");
  // The node kept the basket and serves on.
  CHECK(lane.get("/v1/baskets/" + basket).status == 200);
  CHECK(test::request(node.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("an Idempotency-Key is visible ASCII", "[hostile][utf8]") {
  test::Node node;
  test::Lane lane(node.port(), test::kCashierToken);
  auto r = lane.post("/v1/baskets", nullptr, {{"Idempotency-Key", "caf\xe9"}});
  CHECK(r.status == 400);
  CHECK(r.json()["error"]["message"] == "Idempotency-Key: 1 to 128 visible ASCII characters");
}

TEST_CASE("a subscriber that stops reading gets whole messages, never another's bytes", "[hostile][events]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  SlowSubscriber slow(node.port());
  const std::string basket = lane.open_basket();
  for (int i = 0; i < 60; ++i) lane.scan(basket, {"BREAD"});  // ~20 KB an event, 12 MB in all: more than the kernel's buffers hold
  // 600 basket events while the subscriber reads nothing; another lane's
  // requests go on beside them.
  test::Lane office(node.port(), test::kSupervisorToken);
  const std::string other = office.open_basket();
  for (int i = 1; i <= 600; ++i) {
    REQUIRE(test::request(node.port(), "PATCH", "/v1/baskets/" + basket + "/lines/1", test::kCashierToken,
                          json{{"qty", 1 + i % 50}}.dump())
                .status == 200);
    if (i % 10 == 0) office.post("/v1/baskets/" + other + "/lines", {{"code", "PEN-BLUE"}, {"qty", 1 + i % 7}});
  }
  CHECK(test::metric(node.port(), "posd_events_dropped") > 0);
  // Now it reads: every message is one whole JSON event of its own stream, in
  // order, up to the newest state, which always arrives.
  uint64_t last_version = 0;
  int messages = 0;
  while (last_version < 660) {
    const std::string m = slow.next();
    REQUIRE_FALSE(m.empty());
    ++messages;
    json e = json::parse(m);  // throws on a spliced or corrupted frame
    REQUIRE(e.is_object());
    if (e["type"] != "basket") continue;
    CHECK(e["basket"]["id"] == basket);
    const uint64_t v = e["basket"]["version"];
    CHECK(v > last_version);
    last_version = v;
  }
  CHECK(messages > 1);
  CHECK(messages < 660);       // some were dropped
  CHECK(last_version == 660);  // the newest state always arrives
}

TEST_CASE("event queues are bounded in bytes, and an inbound message in size", "[hostile][events]") {
  test::Node node({}, [](json& j) { j["max_basket_lines"] = 300; });
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string basket = lane.open_basket();
  for (int i = 0; i < 300; ++i) REQUIRE(lane.post("/v1/baskets/" + basket + "/lines", {{"code", "PEN-BLUE"}}).status == 200);
  CHECK(lane.post("/v1/baskets/" + basket + "/lines", {{"code", "PEN-BLUE"}}).json()["error"]["code"] == "basket_full");
  // Three subscribers that never read, then 150 events of a 300-line basket (~50 KB each).
  std::vector<std::unique_ptr<SlowSubscriber>> subs;
  for (int i = 0; i < 3; ++i) subs.push_back(std::make_unique<SlowSubscriber>(node.port()));
  size_t event_size = 0;
  for (int i = 0; i < 150; ++i) {
    auto r = test::request(node.port(), "PATCH", "/v1/baskets/" + basket + "/lines/" + std::to_string(1 + i),
                           test::kCashierToken, json{{"qty", 2}}.dump());
    REQUIRE(r.status == 200);
    event_size = std::max(event_size, r.body.size());
  }
  REQUIRE(event_size > 40000);
  // Each queue holds at most 1 MiB (plus the message being written).
  const double queued = test::metric(node.port(), "posd_events_queued_bytes");
  CHECK(queued > 0);
  CHECK(queued <= 3 * ((1 << 20) + 2 * static_cast<double>(event_size)));

  // The event stream reads pings and the close; a large message closes it.
  SlowSubscriber talker(node.port());
  CHECK(json::parse(talker.next())["type"] == "hello");
  (void)talker.write(std::string(64 * 1024, 'x'));
  std::string after;
  for (int i = 0; i < 10 && !(after = talker.next()).empty();) ++i;
  CHECK(after.empty());  // closed by the server
  CHECK(test::request(node.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("/metrics labels come from fixed sets, whatever methods clients invent", "[hostile][metrics]") {
  test::Node node;
  for (int i = 0; i < 40; ++i) {
    std::string out = test::raw_exchange(node.port(), "M" + std::to_string(i) + " /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 404"));
  }
  const std::string text = test::request(node.port(), "GET", "/metrics", test::kCashierToken).body;
  CHECK_THAT(text, !Catch::Contains("method=\"M1"));
  CHECK_THAT(text, Catch::Contains("posd_http_requests_total{method=\"other\",route=\"unmatched\",status=\"404\"} 40"));
}

TEST_CASE("request framing that could smuggle is refused", "[hostile][http]") {
  test::Node node;
  const std::string head = "POST /v1/baskets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + test::kCashierToken + "\r\n";
  // chunked, then another coding: the chunked body would be read as a second request.
  std::string out = test::raw_exchange(node.port(), head + "Transfer-Encoding: chunked, identity\r\n\r\n"
                                                          "0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 400"));
  CHECK(out.find("HTTP/1.1", 5) == std::string::npos);  // one answer: the rest was not read as a request
  out = test::raw_exchange(node.port(), head + "Transfer-Encoding: xchunked\r\nContent-Length: 0\r\n\r\n");
  CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 501"));
  // A chunked body alone is fine.
  out = test::raw_exchange(node.port(), head + "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
  CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 201"));
  // JSON routes read JSON only.
  auto r = test::request(node.port(), "POST", "/v1/baskets", test::kCashierToken, "{}", {{"Content-Type", "text/plain"}});
  CHECK(r.status == 415);
  CHECK(r.json()["error"]["code"] == "unsupported_media_type");
  CHECK(test::request(node.port(), "POST", "/v1/baskets", test::kCashierToken, "{}",
                      {{"Content-Type", "application/json; charset=utf-8"}}).status == 201);
}

TEST_CASE("amounts have one limit for a line, a basket and a tender, and nothing wraps", "[hostile][money]") {
  test::Node node({}, [](json& j) { j["label_price_ceiling"] = 50000; });
  load_label_item(node.journal());
  test::Lane lane(node.port(), test::kCashierToken), office(node.port(), test::kSupervisorToken);

  // A label price above the store's ceiling needs a supervisor.
  const std::string b = lane.open_basket();
  auto r = lane.post("/v1/baskets/" + b + "/lines", {{"code", price_label(50001)}});
  CHECK(r.status == 403);
  CHECK(r.json()["error"]["message"] == "the label's price 50001 is above the store's ceiling of 50000: a supervisor must approve it");
  REQUIRE(lane.post("/v1/baskets/" + b + "/lines", {{"code", price_label(50000)}}).status == 200);

  // With approval, a label's price still has the line limit (AI 392n can say 9.99e16).
  const std::string big = office.open_basket();
  r = office.post("/v1/baskets/" + big + "/lines", {{"code", kLargestLabel}});
  CHECK(r.status == 422);
  CHECK(r.json()["error"] == json({{"code", "amount_limit"}, {"message", "line 1's amount is above the limit of 100000000000 minor units"}}));
  // Lines each within the limit, but the basket's total not: the line that
  // would take it over is refused and the basket stays as it was.
  REQUIRE(office.post("/v1/baskets/" + big + "/lines", {{"code", price_label(60000000000)}}).status == 200);
  r = office.post("/v1/baskets/" + big + "/lines", {{"code", price_label(60000000000)}});
  CHECK(r.status == 422);
  CHECK(r.json()["error"]["message"] == "the basket's total is above the limit of 100000000000 minor units");
  auto held = office.get("/v1/baskets/" + big).json();
  CHECK(held["lines"].size() == 1);
  CHECK(held["total"] == 60000000000);
  // Changing a line's quantity is held to the same limits.
  r = test::request(node.port(), "PATCH", "/v1/baskets/" + big + "/lines/1", test::kSupervisorToken, json{{"qty", 2}}.dump());
  CHECK(r.status == 422);
  CHECK(office.get("/v1/baskets/" + big).json()["lines"][0]["qty"] == 1);
  r = test::request(node.port(), "PATCH", "/v1/baskets/" + big + "/lines/1", test::kSupervisorToken, json{{"price", 100000000001}}.dump());
  CHECK(r.status == 400);

  // A cash amount is an amount, not a card number: 10000000000000 passes
  // Luhn but is refused only for being above the tender limit.
  r = office.post("/v1/baskets/" + big + "/tenders", {{"type", "cash"}, {"amount", 10000000000000}});
  CHECK(r.status == 400);
  CHECK(r.json()["error"]["message"] == "amount: must be an integer from 1 to 100000000000");
  r = office.post("/v1/baskets/" + big + "/tenders", {{"type", "cash"}, {"amount", 60000000000}});
  CHECK(r.status == 200);
  CHECK(r.json()["due"] == 0);
  auto sale = office.post("/v1/baskets/" + big + "/complete");
  REQUIRE(sale.status == 200);
  CHECK(sale.json()["total"] == 60000000000);
}

TEST_CASE("a basket holds a bounded number of lines, a terminal a bounded number of baskets", "[hostile][money]") {
  test::Node node({}, [](json& j) {
    j["max_basket_lines"] = 3;
    j["max_open_baskets"] = 2;
  });
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string b = lane.open_basket();
  for (int i = 0; i < 3; ++i) REQUIRE(lane.post("/v1/baskets/" + b + "/lines", {{"code", "PEN-BLUE"}, {"qty", 9999}}).status == 200);
  auto r = lane.post("/v1/baskets/" + b + "/lines", {{"code", "PEN-BLUE"}});
  CHECK(r.status == 409);
  CHECK(r.json()["error"] == json({{"code", "basket_full"}, {"message", "a basket holds at most 3 lines"}}));
  // Quantities price by count: 3 × 9,999 pens at their unit price.
  auto held = lane.get("/v1/baskets/" + b).json();
  CHECK(held["subtotal"] == 3 * 9999 * held["lines"][0]["unit_price"].get<int64_t>());
  REQUIRE(lane.post("/v1/baskets/" + lane.open_basket() + "/suspend").status == 200);
  r = lane.post("/v1/baskets");
  CHECK(r.status == 409);
  CHECK(r.json()["error"]["code"] == "too_many_baskets");
  // Another terminal is not held back by this one.
  CHECK(test::Lane(node.port(), test::kSupervisorToken).post("/v1/baskets").status == 201);
}

TEST_CASE("card numbers behind separators, in any field or key, are refused and never echoed", "[hostile][pci]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string b = lane.open_basket();
  lane.scan(b, {"BREAD"});
  const std::string tenders = "/v1/baskets/" + b + "/tenders";
  struct Row {
    json body;
    int status;
    std::string code;
  };
  const std::vector<Row> rows = {
      {{{"type", "card"}, {"amount", 100}, {"approval_ref", "4111.1111.1111.1111"}, {"masked_pan", "************1111"}}, 422, "card_number_refused"},
      {{{"type", "voucher"}, {"amount", 100}, {"code", "5500/0055/5555/5559"}}, 422, "card_number_refused"},
      {{{"type", "cash"}, {"amount", 100}, {"4111111111111111", 1}}, 422, "card_number_refused"},
      {{{"type", "card"}, {"amount", 100}, {"approval_ref", "A1"}, {"masked_pan", "4111111111******"}}, 400, "invalid_tender"},
      {{{"type", "card"}, {"amount", 100}, {"approval_ref", "A1"}, {"masked_pan", "4111*****1111111"}}, 400, "invalid_tender"},
  };
  for (const Row& row : rows) {
    INFO(row.body.dump());
    auto r = lane.post(tenders, row.body);
    CHECK(r.status == row.status);
    CHECK(r.json()["error"]["code"] == row.code);
    CHECK(r.body.find("4111") == std::string::npos);
    CHECK(r.body.find("5500") == std::string::npos);
  }
  // Separators beyond ASCII, and digits of other scripts.
  for (const std::string code : {"4111\u00a01111\u00a01111\u00a01111", "\uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11"}) {
    auto v = lane.post(tenders, {{"type", "voucher"}, {"amount", 100}, {"code", code}});
    CHECK(v.status == 422);
    CHECK(v.json()["error"]["code"] == "card_number_refused");
  }
  // A card number in the scan field: neither an item nor echoed.
  for (const std::string& code : {std::string("4111111111111111"), std::string("4111 1111 1111 1111")}) {
    auto scanned = lane.post("/v1/baskets/" + b + "/lines", {{"code", code}});
    CHECK(scanned.status == 422);
    CHECK(scanned.json()["error"]["code"] == "card_number_refused");
    CHECK(scanned.body.find("4111") == std::string::npos);
  }
  // Beside a scan, every other field and key is screened as anywhere else.
  for (const json& beside : {json{{"code", "BREAD"}, {"price", 100}, {"reason", "4111 1111 1111 1111"}},
                             json{{"code", "BREAD"}, {"4111111111111111", 1}}}) {
    auto scanned = lane.post("/v1/baskets/" + b + "/lines", beside);
    CHECK(scanned.status == 422);
    CHECK(scanned.json()["error"]["code"] == "card_number_refused");
    CHECK(scanned.body.find("4111") == std::string::npos);
  }
  auto looked_up = lane.get("/v1/items/4111111111111111");
  CHECK(looked_up.status == 422);
  CHECK(looked_up.body.find("4111") == std::string::npos);
  // A receipt number has at most 12 digits: a card number there is not echoed either.
  auto returned = lane.post("/v1/returns", {{"receipt_no", 4111111111111111}, {"lines", json::array({{{"line", 1}, {"qty", 1}}})}});
  CHECK(returned.status == 400);
  CHECK(returned.body.find("4111") == std::string::npos);
  // Free text elsewhere: a stock adjustment's reason.
  auto r = lane.post("/v1/stock/movements", {{"sku", "BREAD"}, {"type", "adjust"}, {"qty", -1}, {"reason", "card 4111 1111 1111 1111 found"}});
  CHECK(r.status == 422);
  CHECK(r.json()["error"]["code"] == "card_number_refused");
  // First 6 and last 4 are fine, and so is a barcode that happens to pass Luhn.
  CHECK(lane.post(tenders, {{"type", "card"}, {"amount", 100}, {"approval_ref", "AUTH-1"}, {"masked_pan", "411111******1111"}}).status == 200);
  CHECK(lane.get("/v1/baskets/" + b).json()["tenders"].size() == 1);
}
