// The clocks and the id source, injectable so that tests can run days of
// store time in a second and name what they make. The wall clock only stamps
// events (the journal's seq orders them); the steady clock measures ages
// (an abandoned basket's).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace posd {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
  virtual std::chrono::steady_clock::time_point steady() const { return std::chrono::steady_clock::now(); }
  static const Clock& system();
};

// Identifiers nobody can guess (basket ids): `bytes` random bytes as
// lower-case hex.
class IdSource {
 public:
  virtual ~IdSource() = default;
  virtual std::string hex(size_t bytes) = 0;
  // OpenSSL's RAND_bytes; thread-safe.
  static IdSource& random();
};

// "2026-11-22T21:22:10.123Z"
std::string format_utc(std::chrono::system_clock::time_point t);
// "2026-11-22" (the UTC date)
std::string format_utc_date(std::chrono::system_clock::time_point t);

}  // namespace posd
