// The API over a real socket against a real journal.
#include <catch2/catch.hpp>

#include "tests/daemon/node.h"

using namespace posd;

TEST_CASE("GET /v1/status answers an authenticated terminal", "[api]") {
  test::Node node;
  REQUIRE(node.journal().append(Entry{"note", nlohmann::json::object()}));
  auto r = test::request(node.port(), "GET", "/v1/status", test::kCashierToken);
  REQUIRE(r.status == 200);
  CHECK(r.headers["content-type"] == "application/json");
  auto j = r.json();
  CHECK(j["store_id"] == "TEST-1");
  CHECK(j["journal_seq"] == 2);
  CHECK(j["terminal"] == "lane-1");
  CHECK(j["role"] == "cashier");
  CHECK(j["business_day"].get<std::string>().size() == 10);
  // No mqtt in the configuration: the store runs alone, and says so.
  CHECK(j["hq"]["configured"] == false);
  CHECK(j["hq"]["link"] == "offline");
}

TEST_CASE("requests without a valid token are refused", "[api]") {
  test::Node node;
  for (const std::string& token : {std::string(), std::string("wrong-token-0123456789")}) {
    auto r = test::request(node.port(), "GET", "/v1/status", token);
    CHECK(r.status == 401);
    CHECK(r.json()["error"]["code"] == "unauthorized");
    CHECK(r.headers["www-authenticate"] == "Bearer");
  }
  CHECK(test::request(node.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("unknown paths and methods get JSON errors", "[api]") {
  test::Node node;
  auto missing = test::request(node.port(), "GET", "/v1/nothing", test::kCashierToken);
  CHECK(missing.status == 404);
  CHECK(missing.json()["error"]["code"] == "not_found");
  auto wrong = test::request(node.port(), "DELETE", "/v1/status", test::kCashierToken);
  CHECK(wrong.status == 405);
  CHECK(wrong.json()["error"]["code"] == "method_not_allowed");
}

TEST_CASE("a body over 64 KiB is refused and the server keeps serving", "[api]") {
  test::Node node;
  auto r = test::request(node.port(), "POST", "/v1/status", test::kCashierToken,
                         std::string(65 * 1024, 'x'));
  CHECK(r.status == 413);
  CHECK(r.json()["error"]["code"] == "body_too_large");
  CHECK(test::request(node.port(), "GET", "/v1/status", test::kCashierToken).status == 200);
}

TEST_CASE("a malformed request gets 400 and the connection closes", "[api]") {
  test::Node node;
  std::string out = test::raw_exchange(node.port(), "GARBAGE\r\n\r\n");
  CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 400"));
  CHECK_THAT(out, Catch::Contains("bad_request"));
  CHECK(test::request(node.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("a slow client is timed out without holding up others", "[api]") {
  test::Node node(http::Server::Options{.read_timeout = std::chrono::milliseconds(300)});
  // Half a request, then silence: the server closes the connection.
  std::string out = test::raw_exchange(node.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n", 10000);
  CHECK(out.empty());  // closed with no answer
  CHECK(test::request(node.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("keep-alive serves several requests on one connection", "[api]") {
  test::Node node;
  const std::string one = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string out = test::raw_exchange(node.port(), one + one + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  size_t count = 0;
  for (size_t at = out.find("HTTP/1.1 200"); at != std::string::npos; at = out.find("HTTP/1.1 200", at + 1)) ++count;
  CHECK(count == 3);
}

TEST_CASE("/readyz answers without a token, /metrics needs one and counts", "[api]") {
  test::Node node;
  auto ready = test::request(node.port(), "GET", "/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.json()["ready"] == true);
  CHECK(test::request(node.port(), "GET", "/metrics").status == 401);
  test::request(node.port(), "GET", "/v1/status", test::kCashierToken);
  test::request(node.port(), "GET", "/v1/nothing", test::kCashierToken);
  REQUIRE(node.journal().append(Entry{"note", nlohmann::json::object()}));
  auto m = test::request(node.port(), "GET", "/metrics", test::kCashierToken);
  REQUIRE(m.status == 200);
  CHECK_THAT(m.headers["content-type"], Catch::StartsWith("text/plain"));
  CHECK_THAT(m.body, Catch::Contains("posd_http_requests_total{method=\"GET\",route=\"/v1/status\",status=\"200\"} 1"));
  CHECK_THAT(m.body, Catch::Contains("route=\"unmatched\",status=\"404\"} 1"));
  CHECK_THAT(m.body, Catch::Contains("posd_journal_seq 2"));
  CHECK_THAT(m.body, Catch::Contains("posd_hq_backlog_events 2"));
  CHECK_THAT(m.body, Catch::Contains("posd_journal_commit_writes_count"));
}
