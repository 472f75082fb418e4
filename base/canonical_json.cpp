#include "base/canonical_json.h"

#include <limits>

namespace posd {

using json = nlohmann::json;

bool CanonicalReader::literal(std::string_view s) {
  if (text_.substr(at_, s.size()) != s) return false;
  at_ += s.size();
  return true;
}

size_t CanonicalReader::utf8_length() const {
  auto byte = [&](size_t i) -> unsigned { return at_ + i < text_.size() ? static_cast<unsigned char>(text_[at_ + i]) : 0x100; };
  auto in = [&](size_t i, unsigned lo, unsigned hi) { return byte(i) >= lo && byte(i) <= hi; };
  const unsigned c = byte(0);
  if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (c == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;  // no surrogates
  if (c == 0xF0) return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (c == 0xF4) return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  return 0;
}

bool CanonicalReader::string(std::string& out) {
  if (!literal("\"")) return false;
  out.clear();
  size_t run = at_;  // the start of the bytes taken as they are
  while (at_ < text_.size()) {
    const unsigned char c = static_cast<unsigned char>(text_[at_]);
    if (c == '"') {
      out.append(text_.substr(run, at_ - run));
      ++at_;
      return true;
    }
    if (c < 0x20) return false;
    if (c < 0x80 && c != '\\') {
      ++at_;
      continue;
    }
    if (c >= 0x80) {
      const size_t n = utf8_length();
      if (n == 0) return false;
      at_ += n;
      continue;
    }
    // An escape, in the one spelling the dump writes for that character.
    out.append(text_.substr(run, at_ - run));
    if (at_ + 1 >= text_.size()) return false;
    const char e = text_[at_ + 1];
    at_ += 2;
    switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        // \u00xx, lower-case hex, for the control characters without a short form.
        auto hex = [](char h) { return h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : -1; };
        if (at_ + 4 > text_.size() || text_[at_] != '0' || text_[at_ + 1] != '0') return false;
        const int hi = hex(text_[at_ + 2]), lo = hex(text_[at_ + 3]);
        if (hi != 0 && hi != 1) return false;
        if (lo < 0) return false;
        const char ch = static_cast<char>(hi * 16 + lo);
        if (ch == '\b' || ch == '\f' || ch == '\n' || ch == '\r' || ch == '\t') return false;
        out += ch;
        at_ += 4;
        break;
      }
      default: return false;  // \/ is never written, nor any other
    }
    run = at_;
  }
  return false;
}

bool CanonicalReader::unsigned_integer(uint64_t& out) {
  if (at_ >= text_.size() || text_[at_] < '0' || text_[at_] > '9') return false;
  if (text_[at_] == '0') {
    ++at_;
    out = 0;
  } else {
    uint64_t v = 0;
    while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
      const uint64_t digit = static_cast<uint64_t>(text_[at_] - '0');
      if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;  // read as a float by others
      v = v * 10 + digit;
      ++at_;
    }
    out = v;
  }
  // A fraction or an exponent makes it a float; a digit after a 0 is not JSON.
  return at_ >= text_.size() || (text_[at_] != '.' && text_[at_] != 'e' && text_[at_] != 'E' && (text_[at_] < '0' || text_[at_] > '9'));
}

bool CanonicalReader::integer(json& out) {
  if (!literal("-")) {
    uint64_t v = 0;
    if (!unsigned_integer(v)) return false;
    out = v;  // as nlohmann's parser keeps it: unsigned
    return true;
  }
  uint64_t magnitude = 0;
  if (!unsigned_integer(magnitude) || magnitude == 0) return false;  // -0 is dumped as 0
  if (magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) return false;
  out = magnitude == static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1
            ? std::numeric_limits<int64_t>::min()
            : -static_cast<int64_t>(magnitude);
  return true;
}

bool CanonicalReader::object(json& out, int depth) {
  out = json::object();
  auto& members = out.get_ref<json::object_t&>();
  if (literal("}")) return true;
  std::string key;
  do {
    if (!string(key) || (!members.empty() && !(members.rbegin()->first < key)) || !literal(":")) return false;
    json v;
    if (!value(v, depth + 1)) return false;
    members.emplace_hint(members.end(), std::move(key), std::move(v));
  } while (literal(","));
  return literal("}");
}

bool CanonicalReader::array(json& out, int depth) {
  out = json::array();
  auto& items = out.get_ref<json::array_t&>();
  if (literal("]")) return true;
  do {
    items.emplace_back();
    if (!value(items.back(), depth + 1)) return false;
  } while (literal(","));
  return literal("]");
}

bool CanonicalReader::value(json& out, int depth) {
  if (at_ >= text_.size() || depth >= kMaxDepth) return false;
  switch (text_[at_]) {
    case '{': ++at_; return object(out, depth);
    case '[': ++at_; return array(out, depth);
    case '"': {
      std::string s;
      if (!string(s)) return false;
      out = std::move(s);
      return true;
    }
    case 't': out = true; return literal("true");
    case 'f': out = false; return literal("false");
    case 'n': out = nullptr; return literal("null");
    default: return integer(out);
  }
}

json canonical_document(std::string_view text) {
  CanonicalReader r(text);
  json j;
  if (r.value(j) && r.done()) return j;
  return json::parse(text);
}

}  // namespace posd
