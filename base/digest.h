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

}  // namespace posd
