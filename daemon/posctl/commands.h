// posctl's commands. Each returns the process exit code: 0 done, 1 the thing
// checked is bad (a broken chain), 2 the command could not run (bad arguments,
// unreadable file). Results go to stdout, errors to stderr.
#pragma once

#include <cstdint>
#include <string>

namespace posctl {

struct VerifyArgs {
  std::string db;
  std::string export_file;
  std::string pubkey;
};
// Prints "ok N events", or "bad seq N: why".
int journal_verify(const VerifyArgs& args);

struct ExportArgs {
  std::string db;
  uint64_t from = 1;
};
int journal_export(const ExportArgs& args);

}  // namespace posctl
