// libFuzzer target for the terminal API through its real handlers in process:
// the input is an HTTP request (method, target, headers, body) as a terminal
// could send it, parsed by Beast and dispatched by the Router to the Api, the
// Checkout and the journal (on a temporary database), as the StoreNode that
// posd runs builds them. Whatever the bytes,
// posd must answer once, with a status below 500 unless the store itself
// fails, and an answer that is valid JSON; it must never crash or throw.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "daemon/config.h"
#include "daemon/store_node.h"
#include "storage/catalog.h"
#include "storage/catalog_json.h"
#include "base/log.h"

namespace {

namespace beast = boost::beast;
using namespace posd;

const char* const kCashier = "Bearer fuzz-cashier-token-0123";
const char* const kSupervisor = "Bearer fuzz-supervisor-token-01";

struct World {
  std::string dir;
  boost::asio::io_context ioc;
  std::unique_ptr<StoreNode> node;

  explicit World(int generation) {
    spdlog::set_level(spdlog::level::off);
    dir = "/dev/shm/posd-api-fuzz-" + std::to_string(::getpid()) + "-" + std::to_string(generation);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto c = parse_config({{"store_id", "FUZZ"}, {"database", dir + "/fuzz.db"}, {"listen", "127.0.0.1:0"}, {"plain_http", true},
                           {"max_basket_lines", 50}, {"max_open_baskets", 5},
                           {"terminals", {{{"id", "lane-1"}, {"token", std::string(kCashier).substr(7)}, {"role", "cashier"}},
                                          {{"id", "office"}, {"token", std::string(kSupervisor).substr(7)}, {"role", "supervisor"}}}}});
    if (!c) std::abort();
    auto n = StoreNode::open(ioc, *c);
    if (!n) std::abort();
    node = std::move(*n);
    auto catalog = parse_catalog(nlohmann::json::parse(R"({
      "tax_classes": [{"id": "std", "rate_bp": 2000}, {"id": "food", "rate_bp": 700}],
      "items": [{"sku": "PEN", "name": "Pen", "price": 120, "tax_class": "std", "gtins": ["4006381333931"]},
                {"sku": "APPLES", "name": "Äpfel", "price": 299, "unit": "kg", "tax_class": "food", "gtins": []},
                {"sku": "MEAT", "name": "Meat", "price": 0, "tax_class": "food", "gtins": ["09506000134352"]}],
      "promotions": [{"id": "P3", "type": "multibuy", "skus": ["PEN"], "buy": 3, "pay": 2},
                     {"id": "T", "type": "basket_threshold", "min_total": 1000, "discount": 100}]})"));
    if (!catalog) std::abort();
    if (!node->journal().write([&](WriteContext& ctx) -> Result<std::vector<Entry>> {
          if (Status s = catalog::replace(ctx.db, *catalog); !s) return s;
          return std::vector<Entry>{{"catalog_imported", {{"items", 3}}}};
        })) {
      std::abort();
    }
  }
  ~World() {
    node.reset();
    std::filesystem::remove_all(dir);
  }
};

// A new store every kInputsPerWorld inputs: what one input meets is at most
// that many inputs' doing, so a run's cost per input stays flat (one store
// grew 18,778 Zs of one day in 1.3 M inputs, each Z reading all of them) and
// a crash needs no more than that many inputs before it to come again.
constexpr int kInputsPerWorld = 10000;

World& world() {
  static int inputs = 0;
  static World* w = nullptr;  // the last one lives until the process ends, never destroyed by exit
  if (!w) {
    std::atexit([] {  // the last store's files, not the store: its threads may still run
      std::error_code ignored;
      std::filesystem::remove_all(w->dir, ignored);
    });
  }
  if (!w || ++inputs % kInputsPerWorld == 0) {
    delete w;
    w = new World(inputs / kInputsPerWorld);
  }
  return *w;
}

void check_answer(const http::Response& res) {
  const auto type = res[beast::http::field::content_type];
  if (type.find("json") != std::string_view::npos) {
    auto j = nlohmann::json::parse(res.body(), nullptr, false);
    if (j.is_discarded()) __builtin_trap();  // an answer that is not JSON
  }
  if (res.result_int() >= 500 && res.result_int() != 503) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World& w = world();
  // The input is the request; a token is added unless it brings its own.
  beast::http::request_parser<beast::http::string_body> parser;
  parser.eager(true);
  parser.body_limit(64 * 1024);
  beast::error_code ec;
  std::string text(reinterpret_cast<const char*>(data), size);
  parser.put(boost::asio::buffer(text), ec);
  if (!parser.is_header_done()) return 0;
  if (!parser.is_done()) parser.put_eof(ec);
  if (ec && ec != beast::http::error::need_more) return 0;
  http::Request req = parser.release();
  // "abc" in the target names the basket opened last, so that inputs reach
  // lines, tenders and completion, not just basket_not_found.
  static std::string last_basket = "abc";
  std::string target(req.target());
  for (size_t at = target.find("abc"); at != std::string::npos; at = target.find("abc", at + last_basket.size())) {
    target.replace(at, 3, last_basket);
  }
  req.target(target);
  if (req[beast::http::field::authorization].empty()) req.set(beast::http::field::authorization, size % 2 ? kCashier : kSupervisor);
  int answers = 0;
  w.node->handler()(req, [&](http::Response res) {
    ++answers;
    check_answer(res);
    if (res.result_int() == 201 && req.target() == "/v1/baskets") {
      last_basket = nlohmann::json::parse(res.body()).value("id", "abc");
    }
  });
  // Journaled writes answer from the event loop once committed; a Z sums
  // its whole period first. Waited for by the clock (up to libFuzzer's own
  // -timeout), not by a count of turns that a busy machine makes too short.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (answers == 0 && std::chrono::steady_clock::now() < give_up) {
    w.ioc.restart();
    w.ioc.run_for(std::chrono::milliseconds(1));
  }
  if (answers != 1) __builtin_trap();
  return 0;
}
