// Reads one JSON object field by field for validation with precise errors:
// every failure is a FieldError naming the field's path ("items[3].price")
// and the reason. Keys never read are reported by no_unknown_keys().
// Used for configuration and catalog documents and request bodies.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace posd {

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF): what nlohmann::json can encode.
bool valid_utf8(std::string_view text);

// `j` as JSON text. Never throws: text that is not UTF-8 (which no input may
// bring this far) comes out with U+FFFD in its place. Every answer and event
// posd sends is encoded here.
std::string to_json_text(const nlohmann::json& j);

struct FieldError {
  std::string path;
  std::string why;
  std::string message() const { return path + ": " + why; }
};

class Fields {
 public:
  // Throws FieldError unless `j` is an object. `path` is "" at the top level.
  Fields(const nlohmann::json& j, std::string path);

  std::string child(const std::string& key) const;
  // nullptr when absent and not required.
  const nlohmann::json* find(const std::string& key, bool required);

  // A non-empty string.
  std::string string(const std::string& key);
  std::optional<std::string> optional_string(const std::string& key);
  // An integer within [min, max].
  int64_t integer(const std::string& key, int64_t min, int64_t max);
  std::optional<int64_t> optional_integer(const std::string& key, int64_t min, int64_t max);
  bool boolean(const std::string& key, bool fallback);
  const nlohmann::json& array(const std::string& key);

  void no_unknown_keys() const;

 private:
  const nlohmann::json& j_;
  std::string path_;
  std::vector<std::string> seen_;  // the keys read: a few, searched in place
};

}  // namespace posd
