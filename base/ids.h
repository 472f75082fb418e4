// The form of the ids the store and HQ give things (a store, an operator, a
// till): letters, digits, '-', '_' and '.', so that they are safe in MQTT
// topics, file names and messages.
#pragma once

#include <cstddef>
#include <string_view>

namespace posd {

// True for 1 to `max` of A–Z a–z 0–9 - _ .
inline bool valid_id(std::string_view id, size_t max) {
  return !id.empty() && id.size() <= max &&
         id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == std::string_view::npos;
}

}  // namespace posd
