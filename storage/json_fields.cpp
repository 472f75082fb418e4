#include "storage/json_fields.h"

namespace posd {

using json = nlohmann::json;

Fields::Fields(const json& j, std::string path) : j_(j), path_(std::move(path)) {
  if (!j_.is_object()) throw FieldError{path_.empty() ? "(top level)" : path_, "must be an object"};
}

std::string Fields::child(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

const json* Fields::find(const std::string& key, bool required) {
  seen_.insert(key);
  auto it = j_.find(key);
  if (it == j_.end() || it->is_null()) {
    if (required) throw FieldError{child(key), "is required"};
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> Fields::optional_string(const std::string& key) {
  const json* v = find(key, false);
  if (!v) return std::nullopt;
  if (!v->is_string()) throw FieldError{child(key), "must be a string"};
  if (v->get_ref<const std::string&>().empty()) throw FieldError{child(key), "must not be empty"};
  return v->get<std::string>();
}

std::string Fields::string(const std::string& key) {
  find(key, true);
  return *optional_string(key);
}

std::optional<int64_t> Fields::optional_integer(const std::string& key, int64_t min, int64_t max) {
  const json* v = find(key, false);
  if (!v) return std::nullopt;
  const std::string range = "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!v->is_number_integer()) throw FieldError{child(key), range};
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    throw FieldError{child(key), range};
  }
  int64_t n = v->get<int64_t>();
  if (n < min || n > max) throw FieldError{child(key), range};
  return n;
}

int64_t Fields::integer(const std::string& key, int64_t min, int64_t max) {
  find(key, true);
  return *optional_integer(key, min, max);
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
    if (!seen_.count(k)) throw FieldError{child(k), "is not a known key"};
  }
}

}  // namespace posd
