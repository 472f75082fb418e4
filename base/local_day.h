// The store's local day: its time zone (an IANA name, "Europe/Paris") and the
// time of day its business day turns ("04:00": a sale at 01:30 belongs to the
// day before). The business day of an instant is the latest local date whose
// turn has passed; each date's turn is the first instant its local clock
// reads the turn time or later, so the business day never goes back, not
// even when a DST night repeats the turn's hour, and a turn inside a DST gap
// happens when the gap ends. Howard Hinnant's date library over the system's
// tzdata (/usr/share/zoneinfo). Immutable; thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "base/status.h"

namespace date {
class time_zone;
}

namespace posd {

class LocalDay {
 public:
  // UTC, turning at midnight: the business day is the UTC date.
  LocalDay();
  // invalid_argument naming what is wrong: a zone tzdata does not know, a
  // turn that is not "HH:MM" from 00:00 to 23:59.
  static Result<LocalDay> make(const std::string& zone, const std::string& turn);

  // "2026-03-29"
  std::string business_day(std::chrono::system_clock::time_point t) const;
  // The local wall-clock time, "2026-03-29 03:05" (receipts, reports).
  std::string local_time(std::chrono::system_clock::time_point t) const;
  const std::string& zone() const { return zone_name_; }
  const std::string& turn() const { return turn_text_; }

 private:
  LocalDay(const date::time_zone* zone, std::string name, std::chrono::minutes turn, std::string turn_text);
  // The instant the business day `d` (days since 1970-01-01, local) begins.
  std::chrono::system_clock::time_point starts(std::chrono::sys_days d) const;

  const date::time_zone* zone_;
  std::string zone_name_;
  std::chrono::minutes turn_{0};
  std::string turn_text_;
};

}  // namespace posd
