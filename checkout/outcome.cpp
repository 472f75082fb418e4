#include "checkout/outcome.h"

#include "base/canonical_json.h"
#include "base/json_fields.h"

namespace posd {

std::string Outcome::code() const {
  if (ok() || !body.is_object() || !body.contains("error")) return "";
  return body["error"].value("code", "");
}

std::string Outcome::text_of() const { return text.empty() ? to_json_text(body) : text; }

nlohmann::json Outcome::document() const { return text.empty() ? body : canonical_document(text); }

Outcome Outcome::from(const Status& s) {
  switch (s.code()) {
    case Why::ok: return success(nlohmann::json::object());
    case Why::invalid_argument: return error(s.code(), "invalid_request", s.message());
    case Why::not_found: return error(s.code(), "not_found", s.message());
    case Why::conflict: return error(s.code(), "conflict", s.message());
    case Why::disk_full: return error(s.code(), "disk_full", "the store's disk is full; sales are refused until space returns");
    case Why::unavailable: return error(s.code(), "unavailable", s.message());
    case Why::unauthenticated: return error(s.code(), "unauthorized", s.message());
    case Why::permission_denied: return error(s.code(), "forbidden", s.message());
    case Why::unsupported: return error(s.code(), "unsupported", s.message());
    case Why::refused: return error(s.code(), "refused", s.message());
    case Why::halted: return error(s.code(), "journal_broken", s.message());
    case Why::corruption:
    case Why::io_error: return error(s.code(), "storage_error", s.message());
  }
  return error(Why::io_error, "internal", s.message());
}

}  // namespace posd
