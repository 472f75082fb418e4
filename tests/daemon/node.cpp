#include "tests/daemon/node.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include <poll.h>

namespace posd::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

nlohmann::json base_config(const std::string& db_path) {
  return {{"store_id", "TEST-1"},
          {"database", db_path},
          {"listen", "127.0.0.1:0"},
          {"terminals",
           {{{"id", "lane-1"}, {"token", kCashierToken}, {"role", "cashier"}},
            {{"id", "office"}, {"token", kSupervisorToken}, {"role", "supervisor"}}}}};
}

Node::Node(http::Server::Options options, const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = base_config(dir_.file("node.db"));
  if (edit) edit(j);
  auto config = parse_config(j);
  REQUIRE(config);
  config_ = *config;
  auto journal = Journal::open({.db_path = config_.database, .store_id = config_.store_id});
  REQUIRE(journal);
  journal_ = std::move(*journal);
  auto checkout = Checkout::open(ioc_, *journal_, StoreRules{config_.currency, config_.prices_include_tax, config_.cash_rounding});
  REQUIRE(checkout);
  checkout_ = std::move(*checkout);
  api_ = std::make_unique<Api>(*checkout_, config_);
  server_ = std::make_unique<http::Server>(ioc_, api_->handler(), options);
  auto ep = server_->listen("127.0.0.1", 0);
  REQUIRE(ep);
  port_ = ep->port();
  loop_ = std::thread([this] { ioc_.run(); });
}

Node::~Node() {
  asio::post(ioc_, [this] { server_->stop(); });
  loop_.join();
  journal_->close();
  ioc_.restart();
  ioc_.run();  // completions posted while the journal drained
}

HttpResult request(uint16_t port, const std::string& method, const std::string& target,
                   const std::string& token, const std::string& body) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  beast::http::request<beast::http::string_body> req{beast::http::string_to_verb(method), target, 11};
  req.set(beast::http::field::host, "127.0.0.1");
  if (!token.empty()) req.set(beast::http::field::authorization, "Bearer " + token);
  if (!body.empty()) {
    req.set(beast::http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  beast::http::write(stream, req);
  beast::flat_buffer buf;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(stream, buf, res);
  HttpResult out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  out.body = res.body();
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

std::string raw_exchange(uint16_t port, const std::string& raw, int timeout_ms) {
  asio::io_context ioc;
  tcp::socket sock(ioc);
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  asio::write(sock, asio::buffer(raw));
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{sock.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    beast::error_code ec;
    size_t n = sock.read_some(asio::buffer(buf), ec);
    if (ec) break;
    out.append(buf, n);
  }
  return out;
}

}  // namespace posd::test
