#include "base/json_text.h"

#include <algorithm>
#include <vector>

namespace posd {

using json = nlohmann::json;

namespace {

bool showable(const std::string& key) {
  size_t digits = 0;
  for (unsigned char c : key) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
    digits += (c >= '0' && c <= '9') ? 1 : 0;
  }
  return key.size() <= 40 && digits < 8;
}

}  // namespace

std::string shown_key(const std::string& key) {
  return showable(key) ? "\"" + key + "\"" : "(a key that cannot be shown)";
}

namespace {

// Where the first difference between `text` and its canonical form is.
std::string first_difference(std::string_view text, const std::string& canonical) {
  size_t i = 0;
  while (i < text.size() && i < canonical.size() && text[i] == canonical[i]) ++i;
  return "the canonical form differs at byte " + std::to_string(i);
}

}  // namespace

namespace {

// Builds the document from nlohmann's SAX events, as its own DOM parser
// does, and notes the first key an object repeats (with the keys of the
// objects around it). A builder of our own, not the parser's per-value
// callback: that one copied every key into a set and cost a third more.
class StrictBuilder {
 public:
  explicit StrictBuilder(json& root) : root_(root) {}
  bool null() { return put(nullptr); }
  bool boolean(bool v) { return put(v); }
  bool number_integer(json::number_integer_t v) { return put(v); }
  bool number_unsigned(json::number_unsigned_t v) { return put(v); }
  bool number_float(json::number_float_t v, const std::string& /*text*/) { return put(v); }
  bool string(std::string& v) { return put(std::move(v)); }
  bool binary(json::binary_t& v) { return put(std::move(v)); }
  bool start_object(std::size_t /*size*/) {
    open(json::value_t::object);
    keys_.push_back(nullptr);
    return true;
  }
  bool key(std::string& k) {
    // The lexer's buffer is moved into the map (the lexer clears it before
    // the next token; a key already there is left unmoved); the path keeps a
    // pointer to the map's own copy. The hint at the end: keys written in
    // order (every dump) go in without a search.
    auto& members = stack_.back()->get_ref<json::object_t&>();
    const size_t before = members.size();
    auto at = members.try_emplace(members.end(), std::move(k));
    if (members.size() == before && duplicate_.empty()) {
      std::string where;
      for (size_t i = 0; i + 1 < keys_.size(); ++i) where += "/" + (showable(*keys_[i]) ? *keys_[i] : std::string("…"));
      duplicate_ = "duplicate key " + shown_key(at->first) + (where.empty() ? "" : " in " + where);
    }
    keys_.back() = &at->first;
    slot_ = &at->second;
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    keys_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*size*/) {
    open(json::value_t::array);
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t byte, const std::string& /*token*/, const nlohmann::detail::exception& e) {
    // A number out of range (1e999): its text is never quoted (it may be a card number).
    error_ = e.id == 406 ? "not JSON: a number out of range" : "not JSON (at byte " + std::to_string(byte) + ")";
    return false;
  }

  const std::string& error() const { return error_; }
  const std::string& duplicate() const { return duplicate_; }

 private:
  // The value goes into the array being read, under the key just read, or
  // is the document.
  template <typename V>
  bool put(V&& v) {
    place(std::forward<V>(v));
    return true;
  }
  template <typename V>
  json* place(V&& v) {
    if (stack_.empty()) {
      root_ = json(std::forward<V>(v));
      return &root_;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      auto& items = top.get_ref<json::array_t&>();
      items.emplace_back(std::forward<V>(v));
      return &items.back();
    }
    *slot_ = json(std::forward<V>(v));
    return slot_;
  }
  void open(json::value_t type) { stack_.push_back(place(json(type))); }

  json& root_;
  std::vector<json*> stack_;      // the objects and arrays being read
  json* slot_ = nullptr;          // the value of the key just read
  std::vector<const std::string*> keys_;  // the key being read in each open object (the map's)
  std::string error_, duplicate_;
};

}  // namespace

Result<json> parse_json(std::string_view text) {
  json j;
  StrictBuilder builder(j);
  const bool parsed = json::sax_parse(text.begin(), text.end(), &builder);
  if (!builder.error().empty()) return Status::invalid_argument(builder.error());
  if (!parsed) return Status::invalid_argument("not JSON");
  if (!builder.duplicate().empty()) return Status::invalid_argument(builder.duplicate());
  return j;
}

Result<json> parse_canonical(std::string_view text) {
  auto j = parse_json(text);
  if (!j) return j;
  std::string canonical;
  try {
    canonical = j->dump();
  } catch (const json::exception&) {
    return Status::invalid_argument("not in canonical form: invalid UTF-8");
  }
  if (canonical != text) return Status::invalid_argument("not in canonical form: " + first_difference(text, canonical));
  return j;
}

std::string canonical_text(const json& j) { return j.dump(); }

}  // namespace posd
