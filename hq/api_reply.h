// How posd-hq's API answers (hq/api.h): JSON bodies with Cache-Control:
// no-store, errors as {"error": {"code", "message"}}, a database failure as
// 503 (logged; the client is told only to try again), and the query string.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "http/server.h"

namespace posd::hq {

http::Response json_response(http::bhttp::status status, const nlohmann::json& body, const http::Request& req);
http::Response error(http::bhttp::status status, const std::string& code, const std::string& message,
                     const http::Request& req);
// A failure of the database or of the input, as the API answers it.
http::Response failure(const Status& s, const http::Request& req);
// The value of `key` in the request's query string, percent-decoded ("" when absent).
std::string query(const http::Request& req, const std::string& key);

}  // namespace posd::hq
