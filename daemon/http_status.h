// The one place where a checkout answer becomes an HTTP status: what kind of
// refusal (checkout/outcome.h) is which status, as docs/openapi.yaml gives.
#pragma once

#include "checkout/outcome.h"

namespace posd {

// 200, or 201 when a record was made; a refusal's status by its kind.
int http_status(const Outcome& o);

}  // namespace posd
