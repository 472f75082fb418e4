// Reading JSON text without ambiguity. nlohmann::json keeps the last of two
// equal keys, while SQLite's json_extract and many other readers keep the
// first: a document with a duplicate key means different things to different
// readers, so posd refuses it wherever it reads JSON it did not just make.
// The canonical form is nlohmann's compact dump: keys sorted bytewise, no
// white space, UTF-8 with JSON's minimal escapes, integers in shortest form.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace posd {

// Parses `text` into the document nlohmann::json::parse makes of it;
// invalid_argument("not JSON (at byte N)") or ("not JSON: a number out of
// range") when it is not JSON, and ("duplicate key \"k\" in /a/b", the keys
// of the objects around it) when an object repeats a key.
Result<nlohmann::json> parse_json(std::string_view text);

// The same, and `text` must be exactly the canonical form of what it parses
// to: invalid_argument("not in canonical form: …") otherwise.
Result<nlohmann::json> parse_canonical(std::string_view text);

// A key as an error message may show it: "\"key\"" when it is short
// printable ASCII with fewer than 8 digits in all, else a phrase saying it
// cannot be shown (a key may be anything a client sent, a card number too).
std::string shown_key(const std::string& key);

// The canonical form of `j` (its compact dump). Throws on invalid UTF-8,
// which the caller must have refused before.
std::string canonical_text(const nlohmann::json& j);

}  // namespace posd
