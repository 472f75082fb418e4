#include "daemon/terminals.h"

#include <algorithm>

#include <openssl/crypto.h>

#include "base/digest.h"

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

Result<std::vector<TerminalConfig>> all_terminals(const std::vector<TerminalConfig>& configured, sql::Db& reader) {
  std::vector<TerminalConfig> out = configured;
  auto st = reader.prepare("SELECT id, token_sha256, role FROM hq_terminal ORDER BY id");
  if (!st) return st.status();
  for (;;) {
    auto row = st->step();
    if (!row) return row.status();
    if (!*row) return out;
    TerminalConfig t{st->text(0), st->text(1), st->text(2) == "supervisor" ? Role::supervisor : Role::cashier};
    bool clash = std::any_of(out.begin(), out.end(), [&](const TerminalConfig& c) {
      return c.id == t.id || c.token_sha256 == t.token_sha256;
    });
    if (!clash) out.push_back(std::move(t));
  }
}

}  // namespace posd
