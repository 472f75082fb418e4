#include "base/json_fields.h"

#include <algorithm>

namespace posd {

using json = nlohmann::json;

bool valid_utf8(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
    else return false;
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto d = static_cast<unsigned char>(text[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string to_json_text(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Fields::Fields(const json& j, std::string path) : j_(j), path_(std::move(path)) {
  if (!j_.is_object()) throw FieldError{path_.empty() ? "(top level)" : path_, "must be an object"};
  seen_.reserve(j_.size());
}

std::string Fields::child(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

const json* Fields::find(const std::string& key, bool required) {
  if (std::find(seen_.begin(), seen_.end(), key) == seen_.end()) seen_.push_back(key);
  auto it = j_.find(key);
  if (it == j_.end() || it->is_null()) {
    if (required) throw FieldError{child(key), "is required"};
    return nullptr;
  }
  return &*it;
}

namespace {

std::string text_of(const Fields& f, const std::string& key, const json& v) {
  if (!v.is_string()) throw FieldError{f.child(key), "must be a string"};
  if (v.get_ref<const std::string&>().empty()) throw FieldError{f.child(key), "must not be empty"};
  return v.get<std::string>();
}

int64_t integer_of(const Fields& f, const std::string& key, const json& v, int64_t min, int64_t max) {
  // The message is made only when it is needed: a catalog reads 100,000s of these.
  auto out_of_range = [&] {
    return FieldError{f.child(key), "must be an integer from " + std::to_string(min) + " to " + std::to_string(max)};
  };
  if (!v.is_number_integer()) throw out_of_range();
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) throw out_of_range();
  int64_t n = v.get<int64_t>();
  if (n < min || n > max) throw out_of_range();
  return n;
}

}  // namespace

std::optional<std::string> Fields::optional_string(const std::string& key) {
  const json* v = find(key, false);
  if (!v) return std::nullopt;
  return text_of(*this, key, *v);
}

std::string Fields::string(const std::string& key) { return text_of(*this, key, *find(key, true)); }

std::optional<int64_t> Fields::optional_integer(const std::string& key, int64_t min, int64_t max) {
  const json* v = find(key, false);
  if (!v) return std::nullopt;
  return integer_of(*this, key, *v, min, max);
}

int64_t Fields::integer(const std::string& key, int64_t min, int64_t max) {
  return integer_of(*this, key, *find(key, true), min, max);
}

bool Fields::boolean(const std::string& key, bool fallback) {
  const json* v = find(key, false);
  if (!v) return fallback;
  if (!v->is_boolean()) throw FieldError{child(key), "must be true or false"};
  return v->get<bool>();
}

const json& Fields::array(const std::string& key) {
  const json* v = find(key, true);
  if (!v->is_array()) throw FieldError{child(key), "must be an array"};
  return *v;
}

void Fields::no_unknown_keys() const {
  for (const auto& [k, v] : j_.items()) {
    if (std::find(seen_.begin(), seen_.end(), k) == seen_.end()) throw FieldError{child(k), "is not a known key"};
  }
}

}  // namespace posd
