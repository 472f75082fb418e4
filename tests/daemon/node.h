// A real posd node inside the test process, built by the StoreNode that posd
// itself runs: journal on a real SQLite file, the real API on a real socket
// (port 0), its event loop on its own thread; and a plain HTTP client that
// talks to it over TCP.
#pragma once

#include <boost/asio/io_context.hpp>

#include <map>
#include <memory>
#include <string>
#include <thread>

#include "daemon/store_node.h"
#include "tests/support/temp_dir.h"

namespace posd::test {

inline const std::string kCashierToken = "cashier-token-0123456789";
inline const std::string kSupervisorToken = "supervisor-token-0123456789";

// The configuration every in-process node starts from.
nlohmann::json base_config(const std::string& db_path);

class Node {
 public:
  // `edit` may change the configuration before the node starts.
  // `clock` stamps its events and dates its business day.
  explicit Node(http::Server::Options options = {},
                const std::function<void(nlohmann::json&)>& edit = {}, const Clock& clock = Clock::system());
  ~Node();

  uint16_t port() const { return port_; }
  Journal& journal() { return node_->journal(); }
  const std::string& db_path() const { return node_->config().database; }
  // Runs `f` on the node's event loop (where the checkout lives) and waits for it.
  void on_loop(const std::function<void(Checkout&)>& f);
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  boost::asio::io_context ioc_;
  std::unique_ptr<StoreNode> node_;
  uint16_t port_ = 0;
  std::thread loop_;
};

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

// The error's code of a refused request ("supervisor_required").
inline std::string error_code(const HttpResult& r) { return r.json()["error"]["code"]; }

// The header that has a supervisor approve a request.
inline const std::map<std::string, std::string> kSupervisorOverride = {{"X-Supervisor-Token", kSupervisorToken}};

// One request on a new connection. `token` empty: no Authorization header.
HttpResult request(uint16_t port, const std::string& method, const std::string& target,
                   const std::string& token = {}, const std::string& body = {},
                   const std::map<std::string, std::string>& headers = {});

// One metric's value from a node's /metrics (a cashier's token), or -1 when
// the metric is not there.
double metric(uint16_t port, const std::string& name);

// The events of the journal in the database at `db_path`, in seq order; only
// those of `type` when one is given.
std::vector<Event> journal_events(const std::string& db_path, const std::string& type = "");

// The demo catalog (scripts/demo-catalog.json) loaded into `journal`, with 40
// units of every item sold by unit.
void load_demo_catalog(Journal& journal);

// posd run as a process (tests/support/process.h): the database dir/s.db of
// store TEST-1 with the demo catalog; the port a posd's log says it serves
// on; and waiting until a posd serves, returning its port.
class Child;
void make_demo_store(const TempDir& dir);
uint16_t port_from_log(const std::string& log);
uint16_t await_serving(Child& posd);

// A terminal talking to a node: JSON in, HttpResult out.
class Lane {
 public:
  Lane(uint16_t port, std::string token) : port_(port), token_(std::move(token)) {}
  HttpResult get(const std::string& path) const { return request(port_, "GET", path, token_); }
  HttpResult post(const std::string& path, const nlohmann::json& body = nullptr,
                  const std::map<std::string, std::string>& headers = {}) const {
    return request(port_, "POST", path, token_, body.is_null() ? "" : body.dump(), headers);
  }
  HttpResult del(const std::string& path, const std::map<std::string, std::string>& headers = {}) const {
    return request(port_, "DELETE", path, token_, "", headers);
  }
  // Any method with a JSON body (PATCH, PUT).
  HttpResult send(const std::string& method, const std::string& path, const nlohmann::json& body,
                  const std::map<std::string, std::string>& headers = {}) const {
    return request(port_, method, path, token_, body.dump(), headers);
  }
  // Opens a basket and returns its id.
  std::string open_basket() const;
  // Adds each code (qty 1, or grams for "code@grams") to the basket; returns the last answer.
  HttpResult scan(const std::string& basket, const std::vector<std::string>& codes) const;
  // Pays the basket's due in cash (handing over `cash`, or exactly the due) and completes it.
  HttpResult pay_cash_and_complete(const std::string& basket, int64_t cash = 0) const;

 private:
  uint16_t port_;
  std::string token_;
};

// Writes `raw` bytes on a new connection and returns everything read until the
// server closes (or `timeout_ms` passes).
std::string raw_exchange(uint16_t port, const std::string& raw, int timeout_ms = 5000);

}  // namespace posd::test
