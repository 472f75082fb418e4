// The send window both ends of the sync use: when it rewinds, and how long
// it waits first. Time is given, never read: these run in no time.
#include <catch2/catch.hpp>

#include "sync/send_window.h"

using posd::sync::SendWindow;
using namespace std::chrono_literals;

namespace {
const SendWindow::Clock::time_point t0{};
constexpr auto kPatience = std::chrono::milliseconds(3000);
}  // namespace

TEST_CASE("a window rewinds after its patience, and waits twice as long for each rewind in a row without progress", "[sync]") {
  SendWindow w(8);
  w.reset(0, t0);
  w.sent(8, t0);
  CHECK(w.room() == 0);
  CHECK_FALSE(w.rewind_if_stalled(t0 + 2999ms, kPatience));
  REQUIRE(w.rewind_if_stalled(t0 + 3000ms, kPatience));
  CHECK(w.next() == 1);
  w.sent(8, t0 + 3000ms);
  CHECK_FALSE(w.rewind_if_stalled(t0 + 8999ms, kPatience));  // 6 s now
  REQUIRE(w.rewind_if_stalled(t0 + 9000ms, kPatience));
  w.sent(8, t0 + 9000ms);
  REQUIRE(w.ack(4, t0 + 9100ms));  // progress: back to 3 s
  CHECK_FALSE(w.rewind_if_stalled(t0 + 12099ms, kPatience));
  CHECK(w.rewind_if_stalled(t0 + 12100ms, kPatience));
}

TEST_CASE("an old ack while entries are in flight is a gap at the peer: the window rewinds after a sixth of its patience", "[sync]") {
  SendWindow w(8);
  w.reset(0, t0);
  w.sent(4, t0);
  REQUIRE(w.ack(2, t0 + 100ms));
  w.sent(8, t0 + 100ms);
  SECTION("the peer took entries after the one it lacks") {
    w.gap(2);
    CHECK(w.gap_seen());
    CHECK_FALSE(w.rewind_if_stalled(t0 + 599ms, kPatience));
    REQUIRE(w.rewind_if_stalled(t0 + 600ms, kPatience));
    CHECK(w.next() == 3);
    CHECK_FALSE(w.gap_seen());  // the rewind answers it
    w.sent(8, t0 + 600ms);
    CHECK_FALSE(w.rewind_if_stalled(t0 + 6599ms, kPatience));  // the next, without a gap, doubled
  }
  SECTION("progress after the gap: the full patience again") {
    w.gap(2);
    REQUIRE(w.ack(5, t0 + 300ms));
    CHECK_FALSE(w.gap_seen());
    CHECK_FALSE(w.rewind_if_stalled(t0 + 3299ms, kPatience));
  }
  SECTION("an ack older than the last is no gap, nor is one with nothing in flight") {
    w.gap(1);
    CHECK_FALSE(w.gap_seen());
    REQUIRE(w.ack(8, t0 + 200ms));
    w.gap(8);
    CHECK_FALSE(w.gap_seen());
  }
}

TEST_CASE("after a start or a rewind a window sends one batch until the peer acknowledges progress, then the whole window", "[sync]") {
  SendWindow w(2048, 256);
  w.reset(0, t0);
  CHECK(w.room() == 256);
  w.sent(256, t0);
  CHECK(w.room() == 0);
  REQUIRE(w.ack(256, t0 + 10ms));
  CHECK(w.room() == 2048);
  w.sent(2304, t0 + 10ms);
  REQUIRE(w.ack(512, t0 + 20ms));
  CHECK(w.room() == 256);  // 1,792 still in flight of the 2,048
  REQUIRE(w.rewind_if_stalled(t0 + 3020ms, kPatience));
  CHECK(w.next() == 513);
  CHECK(w.room() == 256);
  w.rewind_to(100, t0 + 3030ms);  // the peer holds less than it said
  CHECK(w.room() == 256);
  SendWindow whole(64);
  whole.reset(0, t0);
  CHECK(whole.room() == 64);
}
