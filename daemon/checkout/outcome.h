// What a checkout operation answers: an HTTP status and a JSON body, either
// the result or {"error": {"code", "message"}}. The codes are part of the API
// (docs/openapi.yaml); the domain picks them, the HTTP layer only sends them.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace posd {

struct Outcome {
  int status = 200;
  nlohmann::json body;

  bool ok() const { return status < 400; }
  static Outcome success(nlohmann::json body, int status = 200) { return {status, std::move(body)}; }
  static Outcome error(int status, const std::string& code, const std::string& message) {
    return {status, {{"error", {{"code", code}, {"message", message}}}}};
  }
  // 422: an Idempotency-Key seen before with another request.
  static Outcome idempotency_key_reused() {
    return error(422, "idempotency_key_reused", "this Idempotency-Key was used for another request");
  }
  // A storage failure: disk_full → 507, anything else → 500 (the message names the cause).
  static Outcome from(const Status& s);
};

}  // namespace posd
