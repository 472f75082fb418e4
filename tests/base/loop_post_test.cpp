// base/loop_post.h: work handed to the event loop from other threads runs on
// the loop, in each thread's order, counts as work until it has run, and
// keeps asio's rules for a handler that throws and for an io_context that goes.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "base/loop_post.h"

using namespace posd;

TEST_CASE("work posted from other threads runs on the loop's thread, in each thread's order, and the loop runs out of work after it", "[loop_post]") {
  boost::asio::io_context io(1);
  auto guard = boost::asio::make_work_guard(io);
  std::thread::id loop_id;
  std::thread loop([&] {
    loop_id = std::this_thread::get_id();
    io.run();
  });
  constexpr int kThreads = 4, kEach = 2000;
  std::vector<std::vector<int>> seen(kThreads);  // touched on the loop only
  std::atomic<int> off_loop{0};
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&, t] {
      for (int n = 0; n < kEach; ++n) {
        loop_post(io, [&, t, n] {
          if (std::this_thread::get_id() != loop_id) ++off_loop;
          seen[t].push_back(n);
        });
      }
    });
  }
  for (auto& p : posters) p.join();
  guard.reset();
  loop.join();  // run() returned: everything posted ran, and nothing is left watched
  CHECK(off_loop.load() == 0);
  for (int t = 0; t < kThreads; ++t) {
    REQUIRE(seen[t].size() == kEach);
    bool ordered = true;
    for (int n = 0; n < kEach; ++n) ordered = ordered && seen[t][n] == n;
    CHECK(ordered);
  }
  // Posted while no thread runs the loop: waits for the next run.
  bool later = false;
  std::thread([&] { loop_post(io, [&] { later = true; }); }).join();
  CHECK_FALSE(later);
  io.restart();
  CHECK(io.run() > 0);
  CHECK(later);
}

TEST_CASE("a handler that throws leaves run(), and the handlers posted after it run at the next run()", "[loop_post]") {
  boost::asio::io_context io(1);
  std::vector<std::string> ran;
  std::thread([&] {
    loop_post(io, [&] { ran.push_back("a"); });
    loop_post(io, [&] { ran.push_back("b"); throw std::runtime_error("b failed"); });
    loop_post(io, [&] { ran.push_back("c"); });
  }).join();
  CHECK_THROWS_WITH(io.run(), "b failed");
  CHECK(ran == std::vector<std::string>{"a", "b"});
  io.restart();
  io.run();
  CHECK(ran == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("handlers still waiting when their io_context goes are destroyed, never run", "[loop_post]") {
  auto held = std::make_shared<int>(7);
  bool ran = false;
  {
    boost::asio::io_context io(1);
    loop_post(io, [held, &ran] { ran = true; });
    CHECK(held.use_count() == 2);
  }
  CHECK(held.use_count() == 1);
  CHECK_FALSE(ran);
}
