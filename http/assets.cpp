#include "http/assets.h"

#include "base/digest.h"

namespace posd::http {

Assets::Assets(const AssetFile* files, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    files_[std::string(files[i].name)] =
        File{files[i].body, "\"" + to_hex(sha256(std::string(files[i].body))).substr(0, 32) + "\""};
  }
}

std::string_view Assets::content_type(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"}, {".svg", "image/svg+xml"}};
  for (const auto& [ext, type] : kTypes) {
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext) return type;
  }
  return "application/octet-stream";
}

Response Assets::get(std::string_view name, const Request& req) const {
  auto it = files_.find(name);
  if (it == files_.end()) {
    return error_response(bhttp::status::not_found, "not_found", "no file " + std::string(name), req.version(), req.keep_alive());
  }
  const bool fresh = req[bhttp::field::if_none_match] == it->second.etag;
  Response res{fresh ? bhttp::status::not_modified : bhttp::status::ok, req.version()};
  res.set(bhttp::field::etag, it->second.etag);
  res.set(bhttp::field::cache_control, "no-cache");
  res.set(bhttp::field::content_type, content_type(name));
  res.set("Content-Security-Policy", kPolicy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
  if (!fresh) res.body() = std::string(it->second.body);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

}  // namespace posd::http
