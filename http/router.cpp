#include "http/router.h"

#include <algorithm>
#include <chrono>

#include "base/json_fields.h"

namespace posd::http {

std::vector<std::string> split_path(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string> out;
  size_t i = 0;
  while (i < target.size()) {
    if (target[i] == '/') {
      ++i;
      continue;
    }
    size_t j = target.find('/', i);
    if (j == std::string_view::npos) j = target.size();
    out.emplace_back(target.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) {
      return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

void Router::add(bhttp::verb method, const std::string& pattern, Route route) {
  entries_.push_back({method, pattern, split_path(pattern), std::move(route)});
}

std::string method_label(bhttp::verb method) {
  switch (method) {
    case bhttp::verb::get:
    case bhttp::verb::head:
    case bhttp::verb::post:
    case bhttp::verb::put:
    case bhttp::verb::patch:
    case bhttp::verb::delete_:
    case bhttp::verb::options:
      return std::string(bhttp::to_string(method));
    default:
      return "other";
  }
}

Reply Router::observed(const Request& req, const std::string& pattern, Reply reply) const {
  if (!observer_) return reply;
  return [observer = observer_, method = method_label(req.method()), pattern,
          start = std::chrono::steady_clock::now(), reply = std::move(reply)](Response res) {
    observer(method, pattern, static_cast<int>(res.result_int()),
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    reply(std::move(res));
  };
}

void Router::operator()(const Request& req, Reply reply) const {
  const auto segments = split_path(req.target());
  bool path_known = false;
  bool bad_text = false;  // a parameter that would match is not UTF-8
  for (const Entry& e : entries_) {
    if (e.segments.size() != segments.size()) continue;
    Params params;
    bool match = true;
    for (size_t i = 0; match && i < segments.size(); ++i) {
      const std::string& p = e.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        params[p.substr(1, p.size() - 2)] = percent_decode(segments[i]);
      } else {
        match = p == segments[i];
      }
    }
    if (!match) continue;
    if (std::any_of(params.begin(), params.end(), [](const auto& kv) { return !valid_utf8(kv.second); })) {
      bad_text = true;
      continue;
    }
    path_known = true;
    if (e.method != req.method()) continue;
    return e.route(req, params, observed(req, e.pattern, std::move(reply)));
  }
  reply = observed(req, "unmatched", std::move(reply));
  if (bad_text) {
    return reply(error_response(bhttp::status::bad_request, "invalid_path", "a path segment is not valid UTF-8 once percent-decoded"));
  }
  if (path_known) {
    return reply(error_response(bhttp::status::method_not_allowed, "method_not_allowed",
                                std::string(req.method_string()) + " is not allowed on this path"));
  }
  reply(error_response(bhttp::status::not_found, "not_found", "no such endpoint"));
}

}  // namespace posd::http
