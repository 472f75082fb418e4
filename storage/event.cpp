#include "storage/event.h"

#include <set>

#include "base/digest.h"
#include "base/json_text.h"

namespace posd {

namespace {

bool has_float(const nlohmann::json& j) {
  if (j.is_number_float()) return true;
  if (j.is_structured()) {
    for (const auto& v : j) {
      if (has_float(v)) return true;
    }
  }
  return false;
}

}  // namespace

const std::string& genesis_prev_hash() {
  // Never destroyed: a journal's writer still closing while the process
  // exits (one held by a static) reads it after exit's destructors have run.
  static const std::string& kZeros = *new std::string(64, '0');
  return kZeros;
}

Result<std::string> payload_text(const nlohmann::json& payload) {
  if (!payload.is_object()) return Status::invalid_argument("event payload must be a JSON object");
  if (has_float(payload)) {
    return Status::invalid_argument("event payload must not hold floating-point numbers");
  }
  try {
    return payload.dump();  // strict UTF-8 check
  } catch (const nlohmann::json::exception&) {
    return Status::invalid_argument("event payload holds invalid UTF-8");
  }
}

Status check_payload(const nlohmann::json& payload) { return payload_text(payload).status(); }

namespace {
bool lower_hex(const std::string& s, size_t size) {
  if (s.size() != size) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}
}  // namespace

Status check_hex_form(const Event& e) {
  if (!lower_hex(e.prev_hash, 64)) return Status::invalid_argument("prev_hash is not 64 lower-case hex digits");
  if (!lower_hex(e.hash, 64)) return Status::invalid_argument("hash is not 64 lower-case hex digits");
  if (!lower_hex(e.signature, 128)) return Status::invalid_argument("signature is not 128 lower-case hex digits");
  return Status::ok();
}

std::string canonical_encoding(const Event& e, std::string_view payload) {
  // The object nlohmann::json would dump (its keys sorted bytewise), built
  // around the payload's text instead of a copy of the payload.
  const std::string day = nlohmann::json(e.business_day).dump();
  const std::string ts = nlohmann::json(e.ts).dump();
  const std::string type = nlohmann::json(e.type).dump();
  const std::string seq = std::to_string(e.seq);
  std::string out;
  out.reserve(payload.size() + day.size() + ts.size() + type.size() + seq.size() + 56);
  out.append("{\"business_day\":").append(day);
  out.append(",\"payload\":").append(payload);
  out.append(",\"seq\":").append(seq);
  out.append(",\"ts\":").append(ts);
  out.append(",\"type\":").append(type).append("}");
  return out;
}

std::string canonical_encoding(const Event& e) { return canonical_encoding(e, e.payload.dump()); }

std::string export_line(const Event& e, std::string_view payload) {
  const std::string day = nlohmann::json(e.business_day).dump();
  const std::string hash = nlohmann::json(e.hash).dump();
  const std::string prev = nlohmann::json(e.prev_hash).dump();
  const std::string signature = nlohmann::json(e.signature).dump();
  const std::string ts = nlohmann::json(e.ts).dump();
  const std::string type = nlohmann::json(e.type).dump();
  const std::string seq = std::to_string(e.seq);
  std::string out;
  out.reserve(payload.size() + day.size() + hash.size() + prev.size() + signature.size() + ts.size() + type.size() +
              seq.size() + 96);
  out.append("{\"business_day\":").append(day);
  out.append(",\"hash\":").append(hash);
  out.append(",\"payload\":").append(payload);
  out.append(",\"prev_hash\":").append(prev);
  out.append(",\"seq\":").append(seq);
  out.append(",\"signature\":").append(signature);
  out.append(",\"ts\":").append(ts);
  out.append(",\"type\":").append(type).append("}");
  return out;
}

std::string chain_hash(const Event& e, std::string_view payload) {
  auto prev = from_hex(e.prev_hash);
  std::string input = prev ? *prev : std::string();
  input += canonical_encoding(e, payload);
  return to_hex(sha256(input));
}

std::string chain_hash(const Event& e) { return chain_hash(e, e.payload.dump()); }

nlohmann::json Event::to_json() const {
  return {{"seq", seq},           {"ts", ts},     {"business_day", business_day},
          {"type", type},         {"payload", payload}, {"prev_hash", prev_hash},
          {"hash", hash},         {"signature", signature}};
}

Result<Event> Event::from_json(nlohmann::json j) {
  if (!j.is_object()) return Status::invalid_argument("an event must be a JSON object");
  static const std::set<std::string> kFields = {"seq",  "ts",        "business_day", "type",
                                                "payload", "prev_hash", "hash",     "signature"};
  for (const auto& [key, value] : j.items()) {
    if (!kFields.count(key)) return Status::invalid_argument("unknown field " + shown_key(key));
  }
  auto need = [&](const char* key, bool (nlohmann::json::*is)() const noexcept) -> Status {
    auto it = j.find(key);
    if (it == j.end()) return Status::invalid_argument(std::string("missing \"") + key + "\"");
    if (!((*it).*is)()) return Status::invalid_argument(std::string("\"") + key + "\" has the wrong type");
    return Status::ok();
  };
  for (const char* k : {"ts", "business_day", "type", "prev_hash", "hash", "signature"}) {
    if (Status s = need(k, &nlohmann::json::is_string); !s) return s;
  }
  if (Status s = need("seq", &nlohmann::json::is_number_unsigned); !s) return s;
  if (Status s = need("payload", &nlohmann::json::is_object); !s) return s;
  Event e;
  e.seq = j["seq"].get<uint64_t>();
  e.ts = j["ts"].get<std::string>();
  e.business_day = j["business_day"].get<std::string>();
  e.type = j["type"].get<std::string>();
  e.payload = std::move(j["payload"]);
  e.prev_hash = j["prev_hash"].get<std::string>();
  e.hash = j["hash"].get<std::string>();
  e.signature = j["signature"].get<std::string>();
  return e;
}

}  // namespace posd
