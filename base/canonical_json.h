// Reading JSON text that is already in posd's canonical form (json_text.h:
// nlohmann's compact dump, keys sorted bytewise, JSON's minimal escapes,
// valid UTF-8) and has no floating-point number: the form posd's journal
// stores its payloads in and sends them to HQ. Its document and the proof
// that the text is its own dump come in one pass, with no dump to compare
// and no set of keys (keys strictly ascending cannot repeat). Anything else
// is refused with no reason given: the caller reads it the general way
// (parse_json), which says what is wrong. Not for documents nested deeper
// than kMaxDepth (refused, as anything else it does not take).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace posd {

class CanonicalReader {
 public:
  static constexpr int kMaxDepth = 64;

  explicit CanonicalReader(std::string_view text) : text_(text) {}

  // Each consumes what it reads and answers true, or answers false (where
  // it stopped is then unspecified).
  bool literal(std::string_view s);              // exactly these bytes
  bool string(std::string& out);                 // a string in canonical form
  bool unsigned_integer(uint64_t& out);          // a non-negative integer in shortest form
  bool value(nlohmann::json& out, int depth = 0);  // any value, objects and arrays whole

  // The next byte, or '\0' at the end.
  char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
  size_t at() const { return at_; }
  bool done() const { return at_ == text_.size(); }
  std::string_view text() const { return text_; }

 private:
  bool integer(nlohmann::json& out);
  bool object(nlohmann::json& out, int depth);
  bool array(nlohmann::json& out, int depth);
  // The length of the UTF-8 sequence at at_ (RFC 3629, as nlohmann's lexer
  // takes it), 0 when it is not one.
  size_t utf8_length() const;

  std::string_view text_;
  size_t at_ = 0;
};

// The document of a text posd wrote itself in canonical form (a
// JsonWriter's, to_json_text's), read in one pass; a text in any other form
// is read the general way (nlohmann's parse, which throws on what is not JSON).
nlohmann::json canonical_document(std::string_view text);

}  // namespace posd
