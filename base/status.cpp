#include "base/status.h"

namespace posd {

const char* to_string(Status::Code code) {
  switch (code) {
    case Status::Code::ok: return "ok";
    case Status::Code::invalid_argument: return "invalid_argument";
    case Status::Code::unauthenticated: return "unauthenticated";
    case Status::Code::permission_denied: return "permission_denied";
    case Status::Code::unsupported: return "unsupported";
    case Status::Code::refused: return "refused";
    case Status::Code::not_found: return "not_found";
    case Status::Code::conflict: return "conflict";
    case Status::Code::corruption: return "corruption";
    case Status::Code::io_error: return "io_error";
    case Status::Code::disk_full: return "disk_full";
    case Status::Code::halted: return "halted";
    case Status::Code::unavailable: return "unavailable";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(posd::to_string(code_)) + ": " + message_;
}

}  // namespace posd
