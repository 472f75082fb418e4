#include "base/json_writer.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "base/json_fields.h"

namespace posd {

namespace {

// True when every byte of `s` stands in a JSON string as it is, needing no
// escape and no check of its UTF-8: printable ASCII but " and \.
bool plain(std::string_view s) {
  static constexpr auto kPlain = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
    return t;
  }();
  return std::all_of(s.begin(), s.end(), [](char ch) { return kPlain[static_cast<unsigned char>(ch)]; });
}

}  // namespace

void JsonWriter::element() {
  if (after_element_) out_.push_back(',');
  after_element_ = true;
}

JsonWriter& JsonWriter::open(char c) {
  element();
  out_.push_back(c);
  after_element_ = false;
  return *this;
}

JsonWriter& JsonWriter::close(char c) {
  out_.push_back(c);
  after_element_ = true;
  return *this;
}

bool JsonWriter::quoted_plain(std::string_view s, bool colon) {
  char buf[64];
  if (s.size() > sizeof buf - 4 || !plain(s)) return false;
  size_t n = 0;
  if (after_element_) buf[n++] = ',';
  buf[n++] = '"';
  std::copy(s.begin(), s.end(), buf + n);
  n += s.size();
  buf[n++] = '"';
  if (colon) buf[n++] = ':';
  out_.append(buf, n);
  return true;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  if (!quoted_plain(k, true)) {
    element();
    string(k);
    out_.push_back(':');
  }
  after_element_ = false;  // its value follows with no comma
  return *this;
}

template <typename Integer>
JsonWriter& JsonWriter::integer(Integer v) {
  element();
  char buf[24];  // 20 digits and a sign at most
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::value(int64_t v) { return integer(v); }
JsonWriter& JsonWriter::value(uint64_t v) { return integer(v); }

JsonWriter& JsonWriter::value(bool v) {
  element();
  out_.append(v ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view v) {
  if (quoted_plain(v, false)) {
    after_element_ = true;
  } else {
    element();
    string(v);
  }
  return *this;
}

JsonWriter& JsonWriter::value(const nlohmann::json& v) {
  element();
  out_.append(to_json_text(v));
  return *this;
}

JsonWriter& JsonWriter::text(std::string_view json_text) {
  element();
  out_.append(json_text);
  return *this;
}

void JsonWriter::string(std::string_view s) {
  // nlohmann's escapes (ensure_ascii off): the two-character forms of \b \t
  // \n \f \r " and \, \u00xx for the other control characters, every other
  // byte of valid UTF-8 as it is. Text that is not UTF-8 is its business
  // (U+FFFD in place of what is wrong).
  if (plain(s)) {
    out_.push_back('"');
    out_.append(s);
    out_.push_back('"');
    return;
  }
  if (!valid_utf8(s)) {
    out_.append(to_json_text(nlohmann::json(std::string(s))));
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out_.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\b': out_.append("\\b"); break;
      case '\t': out_.append("\\t"); break;
      case '\n': out_.append("\\n"); break;
      case '\f': out_.append("\\f"); break;
      case '\r': out_.append("\\r"); break;
      case '"': out_.append("\\\""); break;
      case '\\': out_.append("\\\\"); break;
      default:
        if (c < 0x20) {
          out_.append("\\u00");
          out_.push_back(kHex[c >> 4]);
          out_.push_back(kHex[c & 0xF]);
        } else {
          out_.push_back(ch);
        }
    }
  }
  out_.push_back('"');
}

}  // namespace posd
