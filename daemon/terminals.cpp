#include "daemon/terminals.h"

#include <openssl/crypto.h>

#include "storage/digest.h"

namespace posd {

const TerminalConfig* Terminals::authenticate(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.substr(0, kBearer.size()) != kBearer) return nullptr;
  const std::string digest = to_hex(sha256(authorization.substr(kBearer.size())));
  const TerminalConfig* found = nullptr;
  for (const TerminalConfig& t : terminals_) {
    // Every entry is compared, so the time taken says nothing about which matched.
    if (CRYPTO_memcmp(t.token_sha256.data(), digest.data(), digest.size()) == 0) found = &t;
  }
  return found;
}

}  // namespace posd
