// Writing JSON text in one pass, with no document: for the answers on the
// hot path (a basket at every scan), where building an nlohmann::json, then
// dumping and freeing it, cost more than all of SQLite. The caller writes
// each object's keys in ascending bytewise order; the text is then posd's
// canonical form (json_text.h), the very bytes to_json_text gives for the
// same document (tests compare the two). Strings are escaped as nlohmann
// escapes them; text that is not UTF-8 comes out as to_json_text has it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace posd {

class JsonWriter {
 public:
  JsonWriter() { out_.reserve(1024); }  // a basket's answer of a few lines, with no growing

  JsonWriter& open_object() { return open('{'); }
  JsonWriter& close_object() { return close('}'); }
  JsonWriter& open_array() { return open('['); }
  JsonWriter& close_array() { return close(']'); }
  // "key": — the value (or an object or array) written next is its.
  JsonWriter& key(std::string_view k);

  JsonWriter& value(int64_t v);
  JsonWriter& value(uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(bool v);
  JsonWriter& value(std::string_view v);
  JsonWriter& value(const char* v) { return value(std::string_view(v)); }
  JsonWriter& value(const std::string& v) { return value(std::string_view(v)); }
  JsonWriter& value(const nlohmann::json& v);  // a document as to_json_text writes it
  // A value already written as JSON text (by a JsonWriter), as it is.
  JsonWriter& text(std::string_view json_text);

  // key and value in one.
  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  std::string take() { return std::move(out_); }

 private:
  JsonWriter& open(char c);
  JsonWriter& close(char c);
  template <typename Integer>
  JsonWriter& integer(Integer v);
  void element();  // a comma before any element but an object's or array's first
  void string(std::string_view s);
  // The comma when one is due, then "s" (and a colon after a key) with one
  // append, when `s` is short and needs no escape; false, and nothing
  // written, otherwise.
  bool quoted_plain(std::string_view s, bool colon);

  std::string out_;
  bool after_element_ = false;
};

}  // namespace posd
