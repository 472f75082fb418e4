#include "base/clock.h"

#include <ctime>
#include <stdexcept>
#include <vector>

#include <openssl/rand.h>

#include "base/digest.h"

namespace posd {

namespace {
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
};

class RandomIds final : public IdSource {
 public:
  std::string hex(size_t bytes) override {
    std::string raw(bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
      throw std::runtime_error("RAND_bytes failed: the system has no randomness to give");
    }
    return to_hex(raw);
  }
};

std::tm utc_tm(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}
}  // namespace

const Clock& Clock::system() {
  static const SystemClock kClock;
  return kClock;
}

IdSource& IdSource::random() {
  static RandomIds kIds;
  return kIds;
}

std::string format_utc(std::chrono::system_clock::time_point t) {
  std::tm tm = utc_tm(t);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  if (ms < 0) ms += 1000;
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::string format_utc_date(std::chrono::system_clock::time_point t) {
  std::tm tm = utc_tm(t);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

}  // namespace posd
