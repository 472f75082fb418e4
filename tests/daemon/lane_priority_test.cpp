// The event loop's priority (daemon/lane_priority.h), set in a child process
// so that this test's own threads keep theirs. Root's children become the
// unit's user (no capability) where a case needs it.
#include <catch2/catch.hpp>

#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <thread>

#include "daemon/lane_priority.h"

using namespace posd;

namespace {

struct ChildResult {
  int code = -1;        // the child's exit code; -1 when it did not exit
  std::string message;  // what it wrote to its pipe
};

// Runs `body` in a forked child; it may write a message for the parent.
ChildResult in_child(const std::function<int(int out_fd)>& body) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    int code = 99;
    try {
      code = body(fds[1]);
    } catch (...) {
    }
    ::_exit(code);
  }
  ::close(fds[1]);
  ChildResult r;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) r.message.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
  return r;
}

void say(int fd, const std::string& text) { (void)!::write(fd, text.data(), text.size()); }

// The unit's user: no capability left, RLIMIT_RTPRIO as given.
bool become_nobody(rlim_t rtprio) {
  const rlimit lim{rtprio, rtprio};
  return ::setrlimit(RLIMIT_RTPRIO, &lim) == 0 && ::setresgid(65534, 65534, 65534) == 0 &&
         ::setresuid(65534, 65534, 65534) == 0;
}

bool set(int policy, int priority) {
  sched_param param{};
  param.sched_priority = priority;
  return ::sched_setscheduler(0, policy, &param) == 0;
}

bool root() {
  if (::geteuid() == 0) return true;
  WARN("not root: the cases that change a thread's priority need root (CAP_SYS_NICE)");
  return false;
}

}  // namespace

TEST_CASE("lane_priority's words, and a thread's scheduling as ps shows it", "[lane_priority]") {
  LanePriority p = LanePriority::normal;
  CHECK(parse_lane_priority("realtime", p));
  CHECK(p == LanePriority::realtime);
  CHECK(parse_lane_priority("normal", p));
  CHECK(p == LanePriority::normal);
  CHECK_FALSE(parse_lane_priority("high", p));
  if (!root()) return;
  auto r = in_child([](int out) {
    say(out, scheduling_of_this_thread() + "|");
    if (!set(SCHED_RR | SCHED_RESET_ON_FORK, 1)) return 1;
    say(out, scheduling_of_this_thread() + "|");
    if (!set(SCHED_BATCH, 0)) return 2;
    say(out, scheduling_of_this_thread());
    return 0;
  });
  CHECK(r.code == 0);
  CHECK(r.message == "TS|RR 1 (reset on fork)|B");
}

TEST_CASE("from normal priority the loop asks for real-time 1, the threads it starts run normal, and it goes back",
          "[lane_priority]") {
  if (!root()) return;
  auto r = in_child([](int out) {
    if (Status s = set_lane_priority(LanePriority::realtime); !s) return say(out, s.message()), 10;
    if (scheduling_of_this_thread() != "RR 1 (reset on fork)") return say(out, scheduling_of_this_thread()), 11;
    std::string started;
    std::thread([&] { started = scheduling_of_this_thread(); }).join();
    if (started != "TS") return say(out, started), 12;  // the writer's, Paho's, the link's: normal
    if (Status s = set_lane_priority(LanePriority::normal); !s) return say(out, s.message()), 13;
    if (scheduling_of_this_thread() != "TS (reset on fork)") return say(out, scheduling_of_this_thread()), 14;
    return 0;
  });
  INFO(r.message);
  CHECK(r.code == 0);
}

TEST_CASE("real-time 1 given before the start, as the unit gives it, is kept, and lane_priority normal takes it "
          "back without any privilege", "[lane_priority]") {
  if (!root()) return;
  auto r = in_child([](int out) {
    if (!set(SCHED_RR | SCHED_RESET_ON_FORK, 1) || !become_nobody(0)) return 20;
    if (Status s = set_lane_priority(LanePriority::realtime); !s) return say(out, s.message()), 21;
    if (scheduling_of_this_thread() != "RR 1 (reset on fork)") return say(out, scheduling_of_this_thread()), 22;
    // Leaving real-time without CAP_SYS_NICE is allowed only with the reset flag kept.
    if (Status s = set_lane_priority(LanePriority::normal); !s) return say(out, s.message()), 23;
    if (scheduling_of_this_thread() != "TS (reset on fork)") return say(out, scheduling_of_this_thread()), 24;
    return 0;
  });
  INFO(r.message);
  CHECK(r.code == 0);
}

TEST_CASE("without privilege the loop's real-time priority is refused, precisely, and it stays normal",
          "[lane_priority]") {
  if (!root()) return;
  auto r = in_child([](int out) {
    if (!become_nobody(0)) return 30;
    Status s = set_lane_priority(LanePriority::realtime);
    say(out, s ? "granted" : s.message());
    return scheduling_of_this_thread() == "TS" ? 0 : 31;
  });
  CHECK(r.code == 0);
  CHECK(r.message ==
        "real-time priority for the lanes refused: Operation not permitted (RLIMIT_RTPRIO is 0 and no CAP_SYS_NICE: "
        "the unit's CPUSchedulingPolicy=rr gives it before posd starts)");
}

TEST_CASE("lane_priority normal leaves a loop the operator put at batch or idle priority as it is", "[lane_priority]") {
  if (!root()) return;
  auto r = in_child([](int out) {
    if (!set(SCHED_BATCH, 0)) return 40;
    if (Status s = set_lane_priority(LanePriority::normal); !s) return say(out, s.message()), 41;
    say(out, scheduling_of_this_thread());
    return 0;
  });
  CHECK(r.code == 0);
  CHECK(r.message == "B");
}
