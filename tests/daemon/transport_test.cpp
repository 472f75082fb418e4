// TLS on the API and the WebSocket event stream, over real sockets.
#include <catch2/catch.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

#include "daemon/events.h"
#include "daemon/terminals.h"
#include "daemon/tls.h"
#include "tests/daemon/node.h"
#include "tests/support/process.h"

using namespace posd;
using json = nlohmann::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

// A self-signed certificate for 127.0.0.1, made by the openssl tool.
void make_certificate(const test::TempDir& dir) {
  auto r = test::run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                      "-nodes", "-keyout", dir.file("key.pem"), "-out", dir.file("cert.pem"), "-days", "2",
                      "-subj", "/CN=posd-test", "-addext", "subjectAltName=IP:127.0.0.1"});
  REQUIRE(r.exit_code == 0);
}

class WsClient {
 public:
  WsClient(uint16_t port, const std::map<std::string, std::string>& headers, const std::string& subprotocols = {})
      : ws_(ioc_) {
    ws_.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    ws_.set_option(beast::websocket::stream_base::decorator([=](beast::websocket::request_type& req) {
      for (const auto& [k, v] : headers) req.set(k, v);
      if (!subprotocols.empty()) req.set(beast::http::field::sec_websocket_protocol, subprotocols);
    }));
    ws_.handshake(res_, "127.0.0.1", "/v1/events");
  }
  json next() {
    beast::flat_buffer buf;
    ws_.read(buf);
    return json::parse(beast::buffers_to_string(buf.data()));
  }
  const beast::websocket::response_type& response() const { return res_; }

 private:
  asio::io_context ioc_;
  beast::websocket::stream<tcp::socket> ws_;
  beast::websocket::response_type res_;
};

}  // namespace

TEST_CASE("the API speaks TLS when configured, and only TLS", "[tls]") {
  test::TempDir certs;
  make_certificate(certs);
  test::Node node({}, [&](json& j) {
    j.erase("plain_http");
    j["tls"] = {{"certificate", certs.file("cert.pem")}, {"private_key", certs.file("key.pem")}};
  });

  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(certs.file("cert.pem"));
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), node.port()));
  stream.handshake(asio::ssl::stream_base::client);
  beast::http::request<beast::http::string_body> req{beast::http::verb::get, "/v1/status", 11};
  req.set(beast::http::field::host, "127.0.0.1");
  req.set(beast::http::field::authorization, "Bearer " + test::kCashierToken);
  beast::http::write(stream, req);
  beast::flat_buffer buf;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(stream, buf, res);
  CHECK(res.result_int() == 200);
  CHECK(json::parse(res.body())["store_id"] == "TEST-1");

  // Plain HTTP to the TLS port gets no answer, and the server keeps serving.
  std::string plain = test::raw_exchange(node.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
  CHECK(plain.find("HTTP/1.1 200") == std::string::npos);
}

TEST_CASE("TLS configuration errors are precise", "[tls]") {
  json j = test::base_config("x.db");
  j.erase("plain_http");
  CHECK(parse_config(j).status().message() == "tls: is required unless plain_http is true");
  j["tls"] = {{"certificate", "/nonexistent/cert.pem"}, {"private_key", "/nonexistent/key.pem"}};
  auto c = parse_config(j);
  REQUIRE(c);
  auto ctx = make_tls_context(*c);
  REQUIRE_FALSE(ctx);
  CHECK_THAT(ctx.status().message(), Catch::StartsWith("tls.certificate: cannot load /nonexistent/cert.pem"));
  j["plain_http"] = true;
  CHECK(parse_config(j).status().message() == "plain_http: cannot be true when tls is given");
}

TEST_CASE("GET /v1/events streams a terminal's basket and every low-stock alert", "[events]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  WsClient lane_events(node.port(), {{"Authorization", "Bearer " + test::kCashierToken}});
  CHECK(lane_events.next() == json({{"type", "hello"}, {"terminal", "lane-1"}}));
  // A browser's way: the token as a subprotocol.
  WsClient office_events(node.port(), {}, "posd.bearer, " + test::kSupervisorToken);
  CHECK(office_events.response()[beast::http::field::sec_websocket_protocol] == "posd.bearer");
  CHECK(office_events.next()["terminal"] == "office");

  test::Lane lane(node.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  lane.scan(id, {"BREAD"});
  auto basket = lane_events.next();
  CHECK(basket["type"] == "basket");
  CHECK(basket["basket"]["lines"][0]["sku"] == "BREAD");

  lane.post("/v1/stock/movements", {{"sku", "BREAD"}, {"type", "count"}, {"qty", 1}});
  auto alert = office_events.next();  // the office saw no basket event: it is lane-1's
  CHECK(alert["type"] == "low_stock");
  CHECK(alert["alert"]["sku"] == "BREAD");
  CHECK(lane_events.next()["type"] == "low_stock");
}

namespace {
// One open stream as the hub sees it: what it was sent, for one terminal.
class Stream final : public http::EventChannel {
 public:
  explicit Stream(std::string terminal) : terminal_(std::move(terminal)) {}
  void send(std::string text) override { sent.push_back(std::move(text)); }
  const std::string& terminal() const override { return terminal_; }
  const std::string& target() const override { return empty_; }
  const std::string& last_event_id() const override { return empty_; }
  size_t queued_bytes() const override { return 0; }
  size_t queued_messages() const override { return 0; }
  uint64_t dropped() const override { return 0; }
  std::vector<std::string> sent;

 private:
  std::string terminal_;
  std::string empty_;
};
}  // namespace

TEST_CASE("the stream hub says who listens, so that an event no stream would receive is not built", "[events]") {
  Terminals terminals({});
  Events events(terminals);
  CHECK_FALSE(events.listening("lane-1"));
  CHECK_FALSE(events.listening(""));
  auto lane2 = std::make_shared<Stream>("lane-2");
  events.attach(lane2);
  REQUIRE(lane2->sent.size() == 1);  // its hello
  CHECK(events.listening("lane-2"));
  CHECK(events.listening(""));
  CHECK_FALSE(events.listening("lane-1"));
  events.publish("lane-1", {{"type", "basket"}});
  CHECK(lane2->sent.size() == 1);
  events.publish("lane-2", {{"type", "basket"}});
  events.publish("", {{"type", "low_stock"}});
  CHECK(lane2->sent.size() == 3);
  events.detach(lane2.get());
  CHECK_FALSE(events.listening("lane-2"));
  CHECK_FALSE(events.listening(""));
}

TEST_CASE("every stream hears that the journal moved, after the writer's own answer", "[events]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  WsClient office_events(node.port(), {}, "posd.bearer, " + test::kSupervisorToken);
  CHECK(office_events.next()["type"] == "hello");
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  lane.scan(id, {"BREAD"});
  auto sale = lane.pay_cash_and_complete(id);
  REQUIRE(sale.status == 200);
  auto moved = office_events.next();  // lane-1's basket events are not the office's
  CHECK(moved["type"] == "journal");
  CHECK(moved["seq"] == sale.json()["seq"]);
  CHECK(moved["events"] == json::array({"sale"}));
  // A refused write moves nothing and says nothing; the next write is heard.
  CHECK(lane.post("/v1/reports/z").status == 403);
  REQUIRE(lane.post("/v1/stock/movements", {{"sku", "PEN-BLUE"}, {"type", "receive"}, {"qty", 1}}).status == 201);
  auto next = office_events.next();
  CHECK(next["events"] == json::array({"stock_movement"}));
  CHECK(next["seq"] == sale.json()["seq"].get<int>() + 1);
}

TEST_CASE("a WebSocket without a valid token is refused", "[events]") {
  test::Node node;
  CHECK_THROWS(WsClient(node.port(), {{"Authorization", "Bearer wrong-token-0123456789"}}));
  std::string out = test::raw_exchange(node.port(),
                                       "GET /v1/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 401"));
  CHECK(test::request(node.port(), "GET", "/healthz").status == 200);
}
