// One journal event and its canonical encoding, the bytes the hash chain is
// computed over (docs/journal.md says how another program re-computes it):
//   hash      = SHA-256(prev_hash raw 32 bytes || canonical_encoding(event))
//   signature = Ed25519(hash raw 32 bytes) by the store's key
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace posd {

struct Event {
  uint64_t seq = 0;
  std::string ts;            // UTC, RFC 3339 with milliseconds: 2026-11-22T21:22:10.123Z
  std::string business_day;  // YYYY-MM-DD
  std::string type;
  nlohmann::json payload;    // a JSON object with no floating-point numbers
  std::string prev_hash;     // hex; 64 zeros before seq 1
  std::string hash;          // hex
  std::string signature;     // hex

  // One export line's object (all fields above).
  nlohmann::json to_json() const;
  // Reads an export line's object; every field must be present with its
  // type, and no other field may be.
  static Result<Event> from_json(nlohmann::json j);  // by value: a caller that moves it in copies no payload
};

// A journal row as stored, its payload as the text the writer made (the
// canonical form the hash covers): for a sender that passes events on unread.
struct StoredEvent {
  uint64_t seq = 0;
  std::string ts, business_day, type, payload, prev_hash, hash, signature;
};

// The hex prev_hash of seq 1.
const std::string& genesis_prev_hash();

// The payload rules: an object, no floating-point numbers anywhere, valid UTF-8.
Status check_payload(const nlohmann::json& payload);
// The same rules, and the payload's text (its dump) when they hold.
Result<std::string> payload_text(const nlohmann::json& payload);

// {"business_day":…,"payload":…,"seq":…,"ts":…,"type":…}: keys sorted bytewise,
// no white space, strings as UTF-8 with JSON's minimal escapes, integers only.
std::string canonical_encoding(const Event& e);
// The same, around `payload`, the text of e.payload (its dump) made once.
std::string canonical_encoding(const Event& e, std::string_view payload);

// One export line (docs/journal.md): e.to_json()'s compact dump, keys sorted,
// built around `payload`, the text of e.payload (its dump) made once.
std::string export_line(const Event& e, std::string_view payload);

// prev_hash and hash are 64 lower-case hex digits, the signature 128: one
// spelling for each value, so that a check of the bytes is a check of the value.
Status check_hex_form(const Event& e);

// The hex hash of `e` given its prev_hash (and the text of its payload).
std::string chain_hash(const Event& e);
std::string chain_hash(const Event& e, std::string_view payload);

}  // namespace posd
