#include "daemon/terminals.h"

#include <algorithm>

#include "base/digest.h"
#include "storage/store_tables.h"

namespace posd {

const TerminalConfig* Terminals::authenticate(std::string_view authorization) const {
  return find_bearer(authorization, terminals_, [](const TerminalConfig& t) -> const std::string& { return t.token_sha256; });
}

Result<std::vector<TerminalConfig>> all_terminals(const std::vector<TerminalConfig>& configured, sql::Db& reader) {
  std::vector<TerminalConfig> out = configured;
  auto provisioned = hq_terminals::all(reader);
  if (!provisioned) return provisioned.status();
  for (const hq_terminals::Row& row : *provisioned) {
    TerminalConfig t{row.id, row.token_sha256, row.role == "supervisor" ? Role::supervisor : Role::cashier};
    bool clash = std::any_of(out.begin(), out.end(), [&](const TerminalConfig& c) {
      return c.id == t.id || c.token_sha256 == t.token_sha256;
    });
    if (!clash) out.push_back(std::move(t));
  }
  return out;
}

}  // namespace posd
