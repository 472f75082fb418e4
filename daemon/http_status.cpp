#include "daemon/http_status.h"

namespace posd {

int http_status(const Outcome& o) {
  switch (o.why) {
    case Why::ok: return o.created ? 201 : 200;
    case Why::invalid_argument: return 400;
    case Why::unauthenticated: return 401;
    case Why::permission_denied: return 403;
    case Why::not_found: return 404;
    case Why::conflict: return 409;
    case Why::unsupported: return 415;
    case Why::refused: return 422;
    case Why::unavailable:
    case Why::halted: return 503;  // a broken journal: nothing is signed until it is whole
    case Why::disk_full: return 507;
    case Why::corruption:
    case Why::io_error: return 500;
  }
  return 500;
}

}  // namespace posd
