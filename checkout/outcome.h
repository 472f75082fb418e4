// What a checkout operation answers: the result as a JSON body, or why not —
// a Status code (the kind of refusal) with the reason code and message the
// API shows ({"error": {"code", "message"}}; the codes are part of the API,
// docs/openapi.yaml). Nothing here knows HTTP: the API alone maps a refusal
// to a status (daemon/http_status.cpp).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace posd {

using Why = Status::Code;

struct Outcome {
  Why why = Why::ok;     // ok, or the kind of refusal
  bool created = false;  // ok, and a new record (a basket, a sale, a return) was made
  nlohmann::json body;
  // Or the body already written as JSON text in canonical form, body then
  // null: a basket's answer, written in one pass on the hot path. Read an
  // answer that may be either with text_of() or document().
  std::string text;
  // The answer kept under an Idempotency-Key, given again to a retried
  // request: nothing happened now (nothing to print, no drawer to open).
  bool replayed = false;

  bool ok() const { return why == Why::ok; }
  // The reason code of a refusal ("over_tender"); empty when ok.
  std::string code() const;
  // The body as JSON text (canonical), and as a document.
  std::string text_of() const;
  nlohmann::json document() const;
  static Outcome success(nlohmann::json body) { return {Why::ok, false, std::move(body), {}, false}; }
  static Outcome success_text(std::string text) { return {Why::ok, false, nullptr, std::move(text), false}; }
  static Outcome made(nlohmann::json body) { return {Why::ok, true, std::move(body), {}, false}; }
  static Outcome error(Why why, const std::string& code, const std::string& message) {
    return {why, false, {{"error", {{"code", code}, {"message", message}}}}, {}, false};
  }
  // An Idempotency-Key seen before with another request.
  static Outcome idempotency_key_reused() {
    return error(Why::refused, "idempotency_key_reused", "this Idempotency-Key was used for another request");
  }
  // A storage failure: disk_full, or storage_error naming the cause.
  static Outcome from(const Status& s);
};

}  // namespace posd
