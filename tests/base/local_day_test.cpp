// The store's local day (base/local_day.h): a sale at 23:59 and at 00:01
// local, a day that turns at 04:00, the DST nights of a European and an
// American zone (a turn inside the hour that does not exist, a turn inside
// the hour that happens twice), a business day that never goes back, and the
// settings it refuses.
#include <catch2/catch.hpp>

#include "base/local_day.h"

using namespace posd;
using namespace std::chrono;

namespace {

// An instant in UTC: utc(2026, 3, 29, 1, 0) is 2026-03-29T01:00:00Z.
system_clock::time_point utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
  return sys_days{year{y} / month{mo} / day{d}} + hours(h) + minutes(mi) + seconds(s);
}

LocalDay local(const std::string& zone, const std::string& turn) {
  auto l = LocalDay::make(zone, turn);
  REQUIRE(l);
  return *l;
}

}  // namespace

TEST_CASE("with no zone the business day is the UTC date", "[localday]") {
  const LocalDay d;
  CHECK(d.zone() == "UTC");
  CHECK(d.business_day(utc(2026, 11, 22, 21, 22)) == "2026-11-22");
  CHECK(d.business_day(utc(2026, 11, 22, 23, 59, 59)) == "2026-11-22");
  CHECK(d.business_day(utc(2026, 11, 23, 0, 0)) == "2026-11-23");
}

TEST_CASE("a sale at 23:59 and one at 00:01 local are on two days, or one when the day turns at 04:00", "[localday]") {
  const LocalDay paris = local("Europe/Paris", "00:00");
  CHECK(paris.business_day(utc(2026, 1, 15, 22, 59)) == "2026-01-15");  // 23:59 CET
  CHECK(paris.business_day(utc(2026, 1, 15, 23, 1)) == "2026-01-16");   // 00:01 CET
  CHECK(paris.business_day(utc(2026, 7, 15, 21, 59)) == "2026-07-15");  // 23:59 CEST
  CHECK(paris.business_day(utc(2026, 7, 15, 22, 1)) == "2026-07-16");   // 00:01 CEST
  CHECK(paris.local_time(utc(2026, 7, 15, 21, 59)) == "2026-07-15 23:59");

  const LocalDay late = local("Europe/Paris", "04:00");
  CHECK(late.business_day(utc(2026, 7, 15, 21, 59)) == "2026-07-15");  // 23:59
  CHECK(late.business_day(utc(2026, 7, 15, 22, 1)) == "2026-07-15");   // 00:01: still the day before
  CHECK(late.business_day(utc(2026, 7, 16, 1, 59)) == "2026-07-15");   // 03:59
  CHECK(late.business_day(utc(2026, 7, 16, 2, 0)) == "2026-07-16");    // 04:00

  const LocalDay ny = local("America/New_York", "00:00");
  CHECK(ny.business_day(utc(2026, 1, 16, 4, 59)) == "2026-01-15");  // 23:59 EST
  CHECK(ny.business_day(utc(2026, 1, 16, 5, 1)) == "2026-01-16");   // 00:01 EST
}

TEST_CASE("DST nights in Paris: the day turns once, at the right instant, whether the turn's hour is missing or doubled", "[localday]") {
  // 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00Z.
  const LocalDay four = local("Europe/Paris", "04:00");
  CHECK(four.business_day(utc(2026, 3, 29, 1, 59)) == "2026-03-28");  // 03:59 CEST
  CHECK(four.business_day(utc(2026, 3, 29, 2, 0)) == "2026-03-29");   // 04:00 CEST: the day before had 23 hours
  const LocalDay gap = local("Europe/Paris", "02:30");                // 02:30 does not exist that night
  CHECK(gap.business_day(utc(2026, 3, 29, 0, 59, 59)) == "2026-03-28");  // 01:59:59 CET
  CHECK(gap.business_day(utc(2026, 3, 29, 1, 0)) == "2026-03-29");       // 03:00 CEST: the gap's end
  // 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00Z; 02:00-02:59 happens twice.
  const LocalDay twice = local("Europe/Paris", "02:30");
  CHECK(twice.business_day(utc(2026, 10, 25, 0, 29)) == "2026-10-24");  // 02:29 CEST
  CHECK(twice.business_day(utc(2026, 10, 25, 0, 30)) == "2026-10-25");  // 02:30 CEST, the first pass
  CHECK(twice.business_day(utc(2026, 10, 25, 1, 15)) == "2026-10-25");  // 02:15 CET: not back to the 24th
  CHECK(twice.business_day(utc(2026, 10, 25, 1, 45)) == "2026-10-25");  // 02:45 CET
  CHECK(four.business_day(utc(2026, 10, 25, 2, 59)) == "2026-10-24");   // 03:59 CET: the day before had 25 hours
  CHECK(four.business_day(utc(2026, 10, 25, 3, 0)) == "2026-10-25");    // 04:00 CET
}

TEST_CASE("DST nights in New York: the same rules in an American zone", "[localday]") {
  // 2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00Z.
  const LocalDay gap = local("America/New_York", "02:30");
  CHECK(gap.business_day(utc(2026, 3, 8, 6, 59)) == "2026-03-07");  // 01:59 EST
  CHECK(gap.business_day(utc(2026, 3, 8, 7, 0)) == "2026-03-08");   // 03:00 EDT
  const LocalDay midnight = local("America/New_York", "00:00");
  CHECK(midnight.business_day(utc(2026, 3, 8, 4, 59)) == "2026-03-07");  // 23:59 EST
  CHECK(midnight.business_day(utc(2026, 3, 8, 5, 1)) == "2026-03-08");   // 00:01 EST
  // 2026-11-01: 02:00 EDT becomes 01:00 EST at 06:00Z; 01:00-01:59 happens twice.
  const LocalDay twice = local("America/New_York", "01:30");
  CHECK(twice.business_day(utc(2026, 11, 1, 5, 29)) == "2026-10-31");  // 01:29 EDT
  CHECK(twice.business_day(utc(2026, 11, 1, 5, 30)) == "2026-11-01");  // 01:30 EDT, the first pass
  CHECK(twice.business_day(utc(2026, 11, 1, 6, 15)) == "2026-11-01");  // 01:15 EST
  CHECK(midnight.business_day(utc(2026, 11, 1, 3, 59)) == "2026-10-31");  // 23:59 EDT
  CHECK(midnight.business_day(utc(2026, 11, 1, 4, 1)) == "2026-11-01");   // 00:01 EDT
}

TEST_CASE("over a DST weekend the business day never goes back and steps one day at a time", "[localday]") {
  for (const char* zone : {"Europe/Paris", "America/New_York", "Australia/Lord_Howe", "UTC"}) {
    for (const char* turn : {"00:00", "01:30", "02:30", "04:00", "23:59"}) {
      INFO(zone << " turning at " << turn);
      const LocalDay d = local(zone, turn);
      // The weekends the clocks change in Europe (March, October), the US
      // (March, November) and on Lord Howe (April, October: half an hour).
      for (auto start : {utc(2026, 3, 27, 0, 0), utc(2026, 10, 23, 0, 0), utc(2026, 10, 30, 0, 0), utc(2026, 3, 6, 0, 0),
                         utc(2026, 4, 3, 0, 0), utc(2026, 10, 2, 0, 0)}) {
        std::string last = d.business_day(start);
        int turns = 0;
        for (auto t = start; t < start + hours(96); t += minutes(5)) {
          const std::string now = d.business_day(t);
          if (now != last) {
            ++turns;
            // The day after, never two days on, never back.
            const auto prev = sys_days{year{std::stoi(last.substr(0, 4))} / month{static_cast<unsigned>(std::stoi(last.substr(5, 2)))} /
                                       day{static_cast<unsigned>(std::stoi(last.substr(8, 2)))}};
            CHECK(now == LocalDay().business_day(prev + days(1)));
          }
          last = now;
        }
        CHECK(turns >= 3);  // 96 hours: three to five turns, as the days of 23 and 25 hours fall
        CHECK(turns <= 5);
      }
    }
  }
}

TEST_CASE("a zone tzdata does not know or a turn that is no time of day is refused, naming it", "[localday]") {
  auto zone = LocalDay::make("Mars/Olympus_Mons", "04:00");
  REQUIRE(!zone);
  CHECK(zone.status().code() == Status::Code::invalid_argument);
  CHECK_THAT(zone.status().message(), Catch::Contains("Mars/Olympus_Mons"));
  for (const char* bad : {"24:00", "4:00", "04:60", "04:00x", "04-00", "", "-1:00", "+1:00", " 1:00", "1 :00", "04:+1"}) {
    INFO(bad);
    auto turn = LocalDay::make("Europe/Paris", bad);
    REQUIRE(!turn);
    CHECK(turn.status().code() == Status::Code::invalid_argument);
    CHECK_THAT(turn.status().message(), Catch::Contains("HH:MM"));
  }
}
