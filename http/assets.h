// Static files compiled into the binary (the browser lane and dashboard under
// daemon/web/ for posd, the fleet dashboard under hq/web/ for posd-hq, and
// the browser kit both share under http/web/), served with their content type, a strong ETag (If-None-Match
// answers 304), Cache-Control: no-cache (revalidate, so an upgrade of the node
// reaches every browser at once) and a Content-Security-Policy that allows
// only the node's own scripts, styles and connections: no inline script.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "http/server.h"

namespace posd::http {

struct AssetFile {
  std::string_view name;  // "lane.js"
  std::string_view body;
};

class Assets {
 public:
  // `files` must outlive this (they are compiled in).
  Assets(const AssetFile* files, size_t count);

  // The answer to GET of `name`; 404 not_found when there is no such file.
  Response get(std::string_view name, const Request& req) const;

  // "text/javascript; charset=utf-8" for "x.js", …; application/octet-stream when unknown.
  static std::string_view content_type(std::string_view name);
  static constexpr std::string_view kPolicy =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

 private:
  struct File {
    std::string_view body;
    std::string etag;
  };
  std::map<std::string, File, std::less<>> files_;
};

}  // namespace posd::http
