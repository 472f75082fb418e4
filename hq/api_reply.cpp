#include "hq/api_reply.h"

#include "base/json_fields.h"
#include "base/log.h"
#include "http/router.h"

namespace posd::hq {

namespace bhttp = http::bhttp;
using json = nlohmann::json;

http::Response json_response(bhttp::status status, const json& body, const http::Request& req) {
  http::Response res{status, req.version()};
  res.set(bhttp::field::content_type, "application/json");
  res.set(bhttp::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = to_json_text(body);
  res.prepare_payload();
  return res;
}

http::Response error(bhttp::status status, const std::string& code, const std::string& message, const http::Request& req) {
  return http::error_response(status, code, message, req.version(), req.keep_alive());
}

http::Response failure(const Status& s, const http::Request& req) {
  switch (s.code()) {
    case Status::Code::invalid_argument: return error(bhttp::status::bad_request, "invalid_request", s.message(), req);
    case Status::Code::not_found: return error(bhttp::status::not_found, "not_found", s.message(), req);
    case Status::Code::conflict: return error(bhttp::status::conflict, "conflict", s.message(), req);
    default:
      log::get("hq-api")->error("cannot answer: {}", s.message());
      return error(bhttp::status::service_unavailable, "unavailable", "HQ's database does not answer; try again", req);
  }
}

std::string query(const http::Request& req, const std::string& key) {
  const std::string_view target = req.target();
  const auto q = target.find('?');
  if (q == std::string_view::npos) return "";
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) return http::percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return "";
}

}  // namespace posd::hq
