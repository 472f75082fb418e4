// docs/openapi.yaml, compiled in so that GET /v1/openapi.yaml always serves
// the document of the running build.
#pragma once

#include <string_view>

namespace posd {
std::string_view openapi_yaml();
}
