// posd-hq's API for the rest of the business (docs/hq-openapi.yaml): the
// stores' state, availability of a SKU across stores from the mirror
// (hq/mirror.h), changes (prices, catalog, stock snapshots) appended to
// stores' down-logs with each store's delivery status, and click-and-collect
// reservations as the store's journal says. Bearer tokens with a
// role, kept as SHA-256 digests: `viewer` reads, `operator` also publishes.
// Bad input gets a precise 4xx JSON error and changes nothing. Runs on the
// serving loop's thread with a database connection of its own. The fleet
// dashboard (hq/web/) is served at / beside it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "hq/changes.h"
#include "hq/store.h"
#include "http/router.h"

namespace posd::hq {

struct ApiToken {
  std::string name;
  std::string sha256;  // hex digest of the token
  bool may_publish = false;  // role operator (else viewer)
};

// {"tokens": [{"name", "role": "viewer"|"operator", "token": "sha256:<64 hex>" or the token (>= 16 chars)}]}
Result<std::vector<ApiToken>> read_tokens(const nlohmann::json& doc);

// What the serving loop knows of a store's link.
struct StoreLink {
  using Time = std::chrono::system_clock::time_point;
  bool online = false;                 // its retained status, as last seen
  uint64_t announced = 0;              // the journal head of its last hello or batch
  std::optional<Time> last_heard;
  std::optional<Time> behind_since;    // HQ holds less than it announced, since
};
using Links = std::function<std::map<std::string, StoreLink>()>;

// A change and each store's standing with it, as GET /v1/changes/{id} answers.
nlohmann::json change_json(const Change& c);

class HqApi {
 public:
  // A store offline, or behind, for longer than `alert_after` is an alert
  // (GET /v1/stores, the dashboard).
  HqApi(std::unique_ptr<HqStore> store, std::vector<ApiToken> tokens, Links links,
        std::chrono::seconds alert_after = std::chrono::seconds(300));
  http::Handler handler();
  // Called after each change is appended (the serving loop sends it at once
  // rather than at its next look at the down-logs).
  void on_published(std::function<void()> f) { published_ = std::move(f); }
  // The name of the token a request carries (its Authorization header, or a
  // browser's WebSocket subprotocols), any role; nullopt: none of ours.
  std::optional<std::string> reader(const http::Request& req) const;

 private:
  using Json = nlohmann::json;
  using Authed = std::function<void(const http::Request&, const http::Params&, http::Reply)>;
  http::Route viewer(Authed route);
  http::Route operator_only(Authed route);
  const ApiToken* authenticate(const http::Request& req) const;
  void add_routes();
  void add_fleet_routes();  // hq/api_fleet.cpp: the changes list and the dashboard's files
  Json alerts(const StorePosition& p, const StoreLink& link) const;
  Result<Json> store_row(const std::string& id, const StorePosition& p, const std::map<std::string, StoreLink>& links);
  Result<Json> availability(const std::string& sku, const std::map<std::string, StoreLink>& links);
  void publish(const http::Request& req, http::Reply reply, const std::string& kind);
  std::variant<uint64_t, http::Response> append(const http::Request& req, ChangeRequest& r);
  Json order_json(const std::string& ref, const OrderView& o);
  void act_on_order(const http::Request& req, const std::string& ref, const std::string& action, http::Reply reply);

  std::unique_ptr<HqStore> store_;
  std::vector<ApiToken> tokens_;
  Links links_;
  std::chrono::seconds alert_after_;
  std::function<void()> published_;
  std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
  http::Router router_;
};

}  // namespace posd::hq
