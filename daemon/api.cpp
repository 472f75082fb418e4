#include "daemon/api.h"

namespace posd {

namespace bhttp = http::bhttp;

http::Response json_response(const nlohmann::json& body, bhttp::status status) {
  http::Response res{status, 11};
  res.set(bhttp::field::content_type, "application/json");
  res.set(bhttp::field::cache_control, "no-store");
  res.body() = body.dump();
  res.prepare_payload();
  return res;
}

Api::Api(Journal& journal, const Config& config)
    : journal_(journal), store_id_(config.store_id), terminals_(config.terminals) {
  router_.add(bhttp::verb::get, "/healthz", [](const http::Request&, const http::Params&, http::Reply reply) {
    reply(json_response({{"status", "alive"}}));
  });
  router_.add(bhttp::verb::get, "/v1/status",
              authed([this](const http::Request& req, const http::Params&, const TerminalConfig& t,
                            http::Reply reply) { status(req, t, std::move(reply)); }));
}

http::Handler Api::handler() {
  return [this](const http::Request& req, http::Reply reply) { router_(req, std::move(reply)); };
}

http::Route Api::authed(Authed route) const {
  return [this, route = std::move(route)](const http::Request& req, const http::Params& params,
                                          http::Reply reply) {
    const TerminalConfig* t = terminals_.authenticate(req[bhttp::field::authorization]);
    if (!t) {
      auto res = http::error_response(bhttp::status::unauthorized, "unauthorized",
                                      "a terminal's bearer token is required");
      res.set(bhttp::field::www_authenticate, "Bearer");
      return reply(std::move(res));
    }
    route(req, params, *t, std::move(reply));
  };
}

void Api::status(const http::Request&, const TerminalConfig& t, http::Reply reply) const {
  reply(json_response({{"store_id", store_id_},
                       {"journal_seq", journal_.last_seq()},
                       {"business_day", journal_.business_day()},
                       {"terminal", t.id},
                       {"role", to_string(t.role)},
                       {"version", POSD_VERSION}}));
}

}  // namespace posd
