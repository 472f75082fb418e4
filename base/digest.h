// SHA-256 and hex, the two encodings the journal's chain is written in.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace posd {

// The 32-byte SHA-256 digest of `data`, raw.
std::string sha256(std::string_view data);
// Lower-case hex of raw bytes.
std::string to_hex(std::string_view raw);
// Raw bytes from hex (either case); nullopt for odd length or a non-hex digit.
std::optional<std::string> from_hex(std::string_view hex);

// The hex SHA-256 of the token an "Authorization: Bearer TOKEN" value carries;
// nullopt for any other value.
std::optional<std::string> bearer_digest(std::string_view authorization);
// Two hex digests equal, compared in constant time.
bool same_digest(std::string_view a, std::string_view b);

// The entry whose hex digest (`digest_of(entry)`) is the bearer token's, or
// nullptr. Every entry is compared: the time taken says nothing about which matched.
template <typename Entries, typename DigestOf>
auto find_bearer(std::string_view authorization, const Entries& entries, DigestOf digest_of) -> decltype(&*entries.begin()) {
  decltype(&*entries.begin()) found = nullptr;
  const auto digest = bearer_digest(authorization);
  if (!digest) return found;
  for (const auto& e : entries) {
    if (same_digest(digest_of(e), *digest)) found = &e;
  }
  return found;
}

}  // namespace posd
