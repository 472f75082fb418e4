#include "tests/daemon/node.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include <poll.h>

#include <future>
#include <regex>

#include "storage/catalog_json.h"
#include "tests/support/process.h"
#include "checkout/checkout.h"
#include "storage/catalog.h"

namespace posd::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

nlohmann::json base_config(const std::string& db_path) {
  return {{"store_id", "TEST-1"},
          {"database", db_path},
          {"listen", "127.0.0.1:0"},
          {"plain_http", true},
          {"terminals",
           {{{"id", "lane-1"}, {"token", kCashierToken}, {"role", "cashier"}},
            {{"id", "office"}, {"token", kSupervisorToken}, {"role", "supervisor"}}}}};
}

Node::Node(http::Server::Options options, const std::function<void(nlohmann::json&)>& edit, const Clock& clock) {
  nlohmann::json j = base_config(dir_.file("node.db"));
  if (edit) edit(j);
  auto config = parse_config(j);
  REQUIRE(config);
  auto node = StoreNode::open(ioc_, *config, options, clock);
  INFO(node.status().to_string());
  REQUIRE(node);
  node_ = std::move(*node);
  auto ep = node_->listen();
  REQUIRE(ep);
  port_ = ep->port();
  node_->start();
  loop_ = std::thread([this] { ioc_.run(); });
}

void Node::on_loop(const std::function<void(Checkout&)>& f) {
  std::promise<void> done;
  boost::asio::post(ioc_, [&] {
    f(node_->checkout());
    done.set_value();
  });
  done.get_future().wait();
}

Node::~Node() {
  asio::post(ioc_, [this] { node_->stop(); });
  loop_.join();
  node_->close();
  ioc_.restart();
  ioc_.run();  // completions posted while the journal drained
}

double metric(uint16_t port, const std::string& name) {
  const std::string text = request(port, "GET", "/metrics", kCashierToken).body;
  const size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

HttpResult request(uint16_t port, const std::string& method, const std::string& target,
                   const std::string& token, const std::string& body,
                   const std::map<std::string, std::string>& headers) {
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
  for (const auto& [k, v] : headers) req.set(k, v);  // a test's own Content-Type wins
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

std::vector<Event> journal_events(const std::string& db_path, const std::string& type) {
  auto db = sql::Db::open(db_path, sql::Db::Mode::read_only);
  REQUIRE(db);
  std::vector<Event> out;
  REQUIRE(scan_journal(*db, 1, [&](const Event& e) {
    if (type.empty() || e.type == type) out.push_back(e);
    return Status::ok();
  }));
  return out;
}

void load_demo_catalog(Journal& journal) {
  auto doc = nlohmann::json::parse(read_text(std::string(POSD_SOURCE_DIR) + "/scripts/demo-catalog.json"));
  auto catalog = parse_catalog(doc);
  REQUIRE(catalog);
  auto r = journal.write([&](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (Status s = catalog::replace(ctx.db, *catalog); !s) return s;
    std::vector<Entry> entries{{"catalog_imported", {{"items", catalog->items.size()}}}};
    for (const Item& it : catalog->items) {
      if (it.unit != Unit::each) continue;
      posd::Outcome o = record_stock_movement(ctx, entries, {it.sku, MovementType::receive, 40, "test"}, "test");
      if (!o.ok()) return Status::io_error(o.body.dump());
    }
    return entries;
  });
  REQUIRE(r);
}

std::string Lane::open_basket() const {
  auto r = post("/v1/baskets");
  REQUIRE(r.status == 201);
  return r.json()["id"];
}

HttpResult Lane::scan(const std::string& basket, const std::vector<std::string>& codes) const {
  HttpResult last;
  for (const std::string& c : codes) {
    auto at = c.find('@');
    nlohmann::json body = {{"code", c.substr(0, at)}};
    if (at != std::string::npos) body["weight_g"] = std::stoll(c.substr(at + 1));
    last = post("/v1/baskets/" + basket + "/lines", body);
    INFO(c << ": " << last.body);
    REQUIRE(last.status == 200);
  }
  return last;
}

HttpResult Lane::pay_cash_and_complete(const std::string& basket, int64_t cash) const {
  const int64_t due = get("/v1/baskets/" + basket).json()["due"];
  auto t = post("/v1/baskets/" + basket + "/tenders", {{"type", "cash"}, {"amount", cash ? cash : due}});
  INFO(t.body);
  REQUIRE(t.status == 200);
  return post("/v1/baskets/" + basket + "/complete");
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

void make_demo_store(const TempDir& dir) {
  auto j = Journal::open({.db_path = dir.file("s.db"), .store_id = "TEST-1"});
  REQUIRE(j);
  load_demo_catalog(**j);
}

uint16_t port_from_log(const std::string& log) {
  std::smatch m;
  std::regex re("serving on http://127\\.0\\.0\\.1:([0-9]+)");
  REQUIRE(std::regex_search(log, m, re));
  return static_cast<uint16_t>(std::stoi(m[1]));
}

uint16_t await_serving(Child& posd) {
  REQUIRE(posd.wait_for_err("serving on"));
  return port_from_log(posd.err());
}

}  // namespace posd::test
