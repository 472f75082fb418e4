// What every fault campaign shares: its size and seed from the environment
// (scripts/faults sets them; a failure prints the seed to replay it), and a
// one-number query of the store afterwards.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

#include "storage/sqlite.h"
#include "tests/support/sanitized.h"

namespace posd::test {

// ASan keeps freed memory in quarantine (up to 256 MB), so a process that
// frees as fast as it allocates still grows its resident size: memory
// bounds are asserted in the normal build only, and reported in both.
inline constexpr bool kMemoryBoundsHold = !kSanitized;

// The integer in environment variable `name`, or `otherwise`.
inline int rounds_from_env(const char* name, int otherwise) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : otherwise;
}

// POSD_FAULT_SEED, or a fresh one.
inline uint64_t fault_seed() {
  const char* v = std::getenv("POSD_FAULT_SEED");
  return v ? std::strtoull(v, nullptr, 10) : std::random_device{}();
}

// The one integer `sql` answers (0 for NULL or no row).
inline int64_t count(sql::Db& db, const std::string& sql) { return db.query_int(sql)->value_or(0); }

}  // namespace posd::test
