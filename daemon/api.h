// The terminal API (docs/openapi.yaml): routes of /v1/… onto the Checkout.
// Every /v1 route needs a terminal's bearer token; /healthz does not. A
// supervisor's token in X-Supervisor-Token approves one request of a cashier
// (manager override). Mutating requests honour Idempotency-Key: a retry with
// the same key and request gets the first answer and changes nothing.
// The browser lane (GET /) and the store dashboard (GET /dashboard, files
// under /web/) are served without a token: they hold none until the user signs
// in, and then use only this API. Runs on the io_context's thread, like the
// Checkout.
#pragma once

#include <chrono>
#include <deque>
#include <map>

#include "checkout/checkout.h"
#include "http/assets.h"
#include "http/router.h"
#include "daemon/web_files.h"
#include "daemon/metrics.h"
#include "daemon/terminals.h"
#include "sync/store_sync.h"

namespace posd {

class Api {
 public:
  // `checkout`, `terminals` and `metrics` (when given) must outlive the Api.
  Api(Checkout& checkout, const Terminals& terminals, Metrics* metrics = nullptr);

  // Adds the HQ link's figures to /v1/status and /metrics; `sync` must outlive the Api.
  void set_sync(const sync::StoreSync* sync) { sync_ = sync; }
  // The devices and their state ([{"id", "kind", "type", "terminal", "state"}])
  // for /v1/status and /metrics.
  void set_devices(std::function<nlohmann::json()> devices) { devices_ = std::move(devices); }

  // The server's figures for /metrics (event queues, refused accepts).
  void set_server_figures(std::function<Metrics::ServerFigures()> f) { server_figures_ = std::move(f); }

  // The handler to give the http::Server.
  http::Handler handler();

 private:
  using Authed = std::function<void(const http::Request&, const http::Params&, const Caller&, http::Reply)>;
  // A route that runs only for an authenticated terminal.
  http::Route authed(Authed route);
  // A mutating route: authenticated, with its JSON body (application/json)
  // parsed and screened for card numbers (all but `scanned_key`, a barcode),
  // and replayed from the Idempotency-Key store when the request is a retry.
  using Mutating = std::function<void(const http::Params&, const nlohmann::json& body, const Caller&,
                                      const IdemKey*, Done)>;
  http::Route mutating(Mutating route, std::string scanned_key = {});
  void add_routes();

  struct Remembered {
    std::string request;
    bool in_flight = true;
    Outcome outcome;
  };

  // The request's JSON body (none: an empty object), or why it is refused:
  // not JSON, or carrying what looks like a card number.
  std::optional<Outcome> read_body(const http::Request& req, const std::string& scanned_key, const Caller& c,
                                   nlohmann::json& body);
  // The answer already given under this Idempotency-Key (kept in memory, or
  // stored with a journaled write), or a refusal when the key was used for
  // another request or is still running.
  std::optional<Outcome> earlier_answer(const IdemKey& idem, const std::string& slot);

  // /readyz: the database answers, and the journal writer is idle or moving.
  Outcome readiness();

  Checkout& checkout_;
  const Terminals& terminals_;
  Metrics* metrics_;
  const sync::StoreSync* sync_ = nullptr;
  std::function<nlohmann::json()> devices_;
  std::function<Metrics::ServerFigures()> server_figures_;
  http::Assets web_{web_files(), web_file_count()};
  http::Router router_;
  std::map<std::string, Remembered> remembered_;  // terminal + "\n" + key
  std::deque<std::string> remembered_order_;
};

// An Outcome as an HTTP response (JSON).
http::Response to_response(const Outcome& o);

}  // namespace posd
