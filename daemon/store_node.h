// One store node, built one way for posd and for the tests: the journal, the
// checkout, the terminals, the API and its event streams, the HTTP server
// (TLS unless plain_http), the devices, and the HQ link when mqtt is
// configured. Lives on one event loop: open, listen, start; stop before the
// loop ends; close once the loop has run dry.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <optional>
#include <string>

#include "checkout/checkout.h"
#include "daemon/api.h"
#include "daemon/config.h"
#include "daemon/devices.h"
#include "daemon/events.h"
#include "daemon/metrics.h"
#include "daemon/terminals.h"
#include "http/server.h"
#include "storage/journal.h"
#include "sync/store_sync.h"

namespace posd {

class StoreNode {
 public:
  // `server` carries the server's limits; its events and TLS are the node's.
  // `clock` stamps events and dates the business day (tests run days in a second).
  static Result<std::unique_ptr<StoreNode>> open(boost::asio::io_context& ioc, Config config,
                                                 http::Server::Options server = {},
                                                 const Clock& clock = Clock::system());
  ~StoreNode();

  // Binds the API's socket (config listen_host:listen_port).
  Result<boost::asio::ip::tcp::endpoint> listen();
  // Starts the HQ link and the devices.
  void start();
  // No new connections, the link and the devices stopped; answers in flight
  // and queued commits still finish on the loop.
  void stop();
  // Commits what is queued and closes the journal (after the loop ran dry).
  void close();
  // Applies what can change while running (terminals, log level, devices)
  // from the configuration at `path`; logs what needs a restart and keeps the
  // running configuration when the new one is bad.
  void reload(const std::string& path);
  // Sweeps the baskets untouched for longer than basket_expiry_minutes.
  size_t expire_baskets();

  const Config& config() const { return config_; }
  Journal& journal() { return *journal_; }
  Checkout& checkout() { return *checkout_; }
  Events& events() { return *events_; }
  Metrics& metrics() { return *metrics_; }
  // The API's handler, for callers that bring their own requests (the fuzzer).
  http::Handler handler() { return api_->handler(); }

 private:
  StoreNode(boost::asio::io_context& ioc, Config config, const Clock& clock);
  Status build(http::Server::Options server);
  std::vector<TerminalConfig> terminal_list();

  boost::asio::io_context& ioc_;
  Config config_;
  const Clock& clock_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Checkout> checkout_;
  std::unique_ptr<Terminals> terminals_;
  std::unique_ptr<Events> events_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<Devices> devices_;
  std::optional<boost::asio::ssl::context> tls_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<sync::StoreSync> hq_;
};

}  // namespace posd
