// A wall clock the test moves: store days in a second. Thread-safe; its
// steady time stays real (timers and timeouts run as usual).
#pragma once

#include <atomic>
#include <chrono>
#include <ctime>
#include <stdexcept>
#include <string>

#include "base/clock.h"

namespace posd::test {

class StoreClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(at_ms_.load()));
  }
  // That day (UTC, "2026-10-30") at `time` ("12:00:00").
  void set_day(const std::string& day, const std::string& time = "12:00:00") {
    std::tm tm{};
    if (strptime((day + " " + time).c_str(), "%Y-%m-%d %H:%M:%S", &tm) == nullptr) {
      throw std::invalid_argument("not a day and time: " + day + " " + time);
    }
    at_ms_ = static_cast<int64_t>(timegm(&tm)) * 1000;
  }
  void advance(std::chrono::milliseconds by) { at_ms_ += by.count(); }

 private:
  std::atomic<int64_t> at_ms_{0};
};

}  // namespace posd::test
