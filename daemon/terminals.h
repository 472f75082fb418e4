// The terminals allowed to use the API, each with its own bearer token and
// role. Tokens are kept only as SHA-256 digests and compared in constant time.
#pragma once

#include <string_view>
#include <vector>

#include "daemon/config.h"
#include "storage/sqlite.h"

namespace posd {

class Terminals {
 public:
  explicit Terminals(std::vector<TerminalConfig> terminals) : terminals_(std::move(terminals)) {}

  // The terminal whose token `authorization` ("Bearer TOKEN") carries, or
  // nullptr. The pointer lives as long as this object.
  const TerminalConfig* authenticate(std::string_view authorization) const;
  // Replaces the list (SIGHUP). Pointers from authenticate() are invalid after.
  void reset(std::vector<TerminalConfig> terminals) { terminals_ = std::move(terminals); }

 private:
  std::vector<TerminalConfig> terminals_;
};

// The configured terminals and those HQ provisioned (table hq_terminal);
// a configured terminal wins over HQ's of the same id.
Result<std::vector<TerminalConfig>> all_terminals(const std::vector<TerminalConfig>& configured, sql::Db& reader);

}  // namespace posd
