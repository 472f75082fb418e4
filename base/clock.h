// The wall clock, injectable so that tests can run days of store time in a
// second. The clock only stamps events; the journal's seq orders them.
#pragma once

#include <chrono>
#include <string>

namespace posd {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
  static const Clock& system();
};

// "2026-11-22T21:22:10.123Z"
std::string format_utc(std::chrono::system_clock::time_point t);
// "2026-11-22" (the UTC date)
std::string format_utc_date(std::chrono::system_clock::time_point t);

}  // namespace posd
