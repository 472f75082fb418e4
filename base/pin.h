// Operators' PINs: 4 to 8 digits, kept only as a slow, salted hash. scrypt
// (OpenSSL's EVP_PBE_scrypt; N = 2^14, r = 8, p = 1: 16 MiB and ~40 ms a
// check on this machine) is memory-hard, so the few million PINs there are
// cost a stolen database's reader GPU memory, not just time; the lockout
// after wrong tries is the defence at the lane (docs/decisions.md). A
// check is slow on purpose: never run one on the event loop.
#pragma once

#include <string>
#include <string_view>

namespace posd {

// True for 4 to 8 ASCII digits.
bool valid_pin(std::string_view pin);
// "scrypt$14$8$1$<salt, 32 hex>$<key, 64 hex>": a fresh salt each time.
std::string hash_pin(std::string_view pin);
// True when `stored` has the form hash_pin gives (its parameters in bounds).
bool valid_pin_hash(std::string_view stored);
// True when `pin` is the one `stored` was made from (compared in constant
// time); false for a malformed `stored`.
bool pin_matches(std::string_view pin, std::string_view stored);

}  // namespace posd
