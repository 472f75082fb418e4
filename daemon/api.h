// The terminal API: the routes of GET/POST /v1/… on top of the journal.
// Every /v1 route needs a terminal's bearer token; /healthz does not.
// Handlers run on the io_context's thread and never wait for the disk there:
// writes go to the Journal, whose completion is posted back.
#pragma once

#include "daemon/config.h"
#include "daemon/http/router.h"
#include "daemon/terminals.h"
#include "storage/journal.h"

namespace posd {

class Api {
 public:
  // `journal` must outlive the Api.
  Api(Journal& journal, const Config& config);

  // The handler to give the http::Server.
  http::Handler handler();

 private:
  using Authed = std::function<void(const http::Request&, const http::Params&,
                                    const TerminalConfig&, http::Reply)>;
  // Wraps a route so that it runs only for an authenticated terminal.
  http::Route authed(Authed route) const;
  void status(const http::Request& req, const TerminalConfig& t, http::Reply reply) const;

  Journal& journal_;
  std::string store_id_;
  Terminals terminals_;
  http::Router router_;
};

// A 200 JSON response.
http::Response json_response(const nlohmann::json& body, http::bhttp::status status = http::bhttp::status::ok);

}  // namespace posd
