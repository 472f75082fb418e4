// Routes requests by method and path pattern ("/v1/sales/{receipt_no}") to
// handlers. An unknown path answers 404 not_found, a known path with another
// method 405 method_not_allowed, a captured segment that is not UTF-8 once
// decoded 400 invalid_path, all as JSON errors: handlers only see text.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "http/server.h"

namespace posd::http {

using Params = std::map<std::string, std::string, std::less<>>;
using Route = std::function<void(const Request&, const Params&, Reply)>;

class Router {
 public:
  // Told of every answered request: method (one of method_label's few), the
  // route's pattern ("unmatched" when none), the status, and the seconds from
  // dispatch to answer. Labels come from fixed sets: a client cannot add series.
  using Observer = std::function<void(const std::string& method, const std::string& route, int status, double seconds)>;

  void add(bhttp::verb method, const std::string& pattern, Route route);
  void set_observer(Observer o) { observer_ = std::move(o); }
  // Dispatches one request; usable as a Server's Handler.
  void operator()(const Request& req, Reply reply) const;

 private:
  struct Entry {
    bhttp::verb method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" captures one segment
    Route route;
  };
  Reply observed(const Request& req, const std::string& pattern, Reply reply) const;
  std::vector<Entry> entries_;
  Observer observer_;
};

// "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", or "other".
std::string method_label(bhttp::verb method);
// The path without its query string, split on '/'.
std::vector<std::string> split_path(std::string_view target);
// "%28" → "(": a captured segment arrives decoded.
std::string percent_decode(std::string_view s);

}  // namespace posd::http
