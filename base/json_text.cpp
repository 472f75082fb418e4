#include "base/json_text.h"

#include <algorithm>
#include <set>
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

Result<json> parse_json(std::string_view text) {
  // One set of keys per object being read; the path names where a key repeats.
  std::vector<std::set<std::string>> open;
  std::vector<std::string> path;
  std::string duplicate;
  auto callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        open.emplace_back();
        break;
      case json::parse_event_t::key: {
        const std::string& key = parsed.get_ref<const std::string&>();
        if (!open.back().insert(key).second && duplicate.empty()) {
          std::string where;
          for (size_t i = 0; i + 1 < open.size() && i < path.size(); ++i) where += "/" + (showable(path[i]) ? path[i] : std::string("…"));
          duplicate = "duplicate key " + shown_key(key) + (where.empty() ? "" : " in " + where);
        }
        path.resize(open.size());
        path.back() = key;
        break;
      }
      case json::parse_event_t::object_end:
        open.pop_back();
        path.resize(open.size());
        break;
      default:
        break;
    }
    return true;
  };
  json j;
  try {
    j = json::parse(text.begin(), text.end(), callback);
  } catch (const json::parse_error& e) {
    return Status::invalid_argument("not JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const json::exception&) {
    // A number out of range (1e999): its text is never quoted (it may be a card number).
    return Status::invalid_argument("not JSON: a number out of range");
  }
  if (!duplicate.empty()) return Status::invalid_argument(duplicate);
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
