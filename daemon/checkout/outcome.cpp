#include "daemon/checkout/outcome.h"

namespace posd {

Outcome Outcome::from(const Status& s) {
  switch (s.code()) {
    case Status::Code::ok: return success(nlohmann::json::object());
    case Status::Code::invalid_argument: return error(400, "invalid_request", s.message());
    case Status::Code::not_found: return error(404, "not_found", s.message());
    case Status::Code::conflict: return error(409, "conflict", s.message());
    case Status::Code::disk_full: return error(507, "disk_full", "the store's disk is full; sales are refused until space returns");
    case Status::Code::unavailable: return error(503, "unavailable", s.message());
    case Status::Code::corruption:
    case Status::Code::io_error: return error(500, "storage_error", s.message());
  }
  return error(500, "internal", s.message());
}

}  // namespace posd
