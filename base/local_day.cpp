#include "base/local_day.h"

#include <date/tz.h>

#include <cstdio>

namespace posd {

using namespace std::chrono;

LocalDay::LocalDay() : LocalDay(date::locate_zone("UTC"), "UTC", minutes(0), "00:00") {}

LocalDay::LocalDay(const date::time_zone* zone, std::string name, minutes turn, std::string turn_text)
    : zone_(zone), zone_name_(std::move(name)), turn_(turn), turn_text_(std::move(turn_text)) {}

Result<LocalDay> LocalDay::make(const std::string& zone, const std::string& turn) {
  auto digit = [&](size_t i) { return turn.size() == 5 && turn[i] >= '0' && turn[i] <= '9' ? turn[i] - '0' : -100; };
  const int h = digit(0) * 10 + digit(1), m = digit(3) * 10 + digit(4);
  if (turn.size() != 5 || turn[2] != ':' || h < 0 || h > 23 || m < 0 || m > 59) {
    return Status::invalid_argument("\"" + turn + "\" is no time of day: give HH:MM, from 00:00 to 23:59");
  }
  try {
    const date::time_zone* z = date::locate_zone(zone);
    return LocalDay(z, zone, hours(h) + minutes(m), turn);
  } catch (const std::exception&) {
    return Status::invalid_argument("\"" + zone + "\" is no time zone the system's tzdata knows (an IANA name such as Europe/Paris)");
  }
}

system_clock::time_point LocalDay::starts(sys_days d) const {
  // The turn's local time that day; in a DST gap it does not exist, and the
  // day begins when the gap ends; in a repeated hour, at its first pass.
  const date::local_time<minutes> at{d.time_since_epoch() + turn_};
  const auto info = zone_->get_info(at);
  if (info.result == date::local_info::nonexistent) return info.first.end;
  return zone_->to_sys(at, date::choose::earliest);
}

std::string LocalDay::business_day(system_clock::time_point t) const {
  const auto local = zone_->to_local(floor<seconds>(t));
  sys_days d{floor<days>(local - turn_).time_since_epoch()};
  // Local time minus the turn is right but for DST nights: step to the
  // latest day whose turn has passed.
  while (starts(d + days(1)) <= t) d += days(1);
  while (starts(d) > t) d -= days(1);
  const date::year_month_day ymd{date::sys_days{d.time_since_epoch()}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string LocalDay::local_time(system_clock::time_point t) const {
  return date::format("%F %H:%M", zone_->to_local(floor<minutes>(t)));
}

}  // namespace posd
