// The event loop's priority (daemon/lane_priority.h), set in a child process
// so that this test's own threads keep theirs.
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
    ::_exit(body(fds[1]));
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

// The calling thread's policy, without the reset-on-fork flag, and whether it has it.
int policy_of_this_thread(bool* resets = nullptr) {
  const int p = ::sched_getscheduler(0);
  if (resets) *resets = (p & SCHED_RESET_ON_FORK) != 0;
  return p & ~SCHED_RESET_ON_FORK;
}

}  // namespace

TEST_CASE("the loop at real-time priority 1, the threads it starts at normal priority, and back", "[lane_priority]") {
  LanePriority p = LanePriority::normal;
  CHECK(parse_lane_priority("realtime", p));
  CHECK(p == LanePriority::realtime);
  CHECK_FALSE(parse_lane_priority("high", p));

  auto r = in_child([](int out) {
    const rlimit one{1, 1};
    (void)::setrlimit(RLIMIT_RTPRIO, &one);  // as the unit's LimitRTPRIO=1; root with CAP_SYS_NICE needs none
    if (Status s = set_lane_priority(LanePriority::realtime); !s) return say(out, s.message()), 10;
    bool resets = false;
    if (policy_of_this_thread(&resets) != SCHED_RR || !resets) return 11;
    sched_param param{};
    if (::sched_getparam(0, &param) != 0 || param.sched_priority != 1) return 12;
    int started = -1;
    std::thread([&] { started = policy_of_this_thread(); }).join();
    if (started != SCHED_OTHER) return 13;  // the writer, Paho's threads, the link's: normal
    if (Status s = set_lane_priority(LanePriority::normal); !s) return say(out, s.message()), 14;
    if (policy_of_this_thread() != SCHED_OTHER) return 15;
    return 0;
  });
  INFO(r.message);
  CHECK(r.code == 0);
}

TEST_CASE("an unprivileged loop gets real-time priority from RLIMIT_RTPRIO 1, and without it is refused, precisely",
          "[lane_priority]") {
  if (::geteuid() != 0) {
    WARN("not root: cannot become an unprivileged user here");
    return;
  }
  // The service user of the unit: no capability, RLIMIT_RTPRIO as given.
  auto as_nobody = [](rlim_t rtprio) {
    return in_child([rtprio](int out) {
      const rlimit lim{rtprio, rtprio};
      if (::setrlimit(RLIMIT_RTPRIO, &lim) != 0) return 20;
      if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) return 21;
      Status s = set_lane_priority(LanePriority::realtime);
      say(out, s ? "granted" : s.message());
      return policy_of_this_thread();
    });
  };
  // Raising RLIMIT_RTPRIO's hard limit needs CAP_SYS_RESOURCE, which some
  // containers' root lacks (systemd sets the limit before it drops to the user).
  if (auto granted = as_nobody(1); granted.code == 20) {
    WARN("RLIMIT_RTPRIO cannot be raised here (no CAP_SYS_RESOURCE): the grant by the limit is not tried");
  } else {
    CHECK(granted.message == "granted");
    CHECK(granted.code == SCHED_RR);
  }

  auto refused = as_nobody(0);
  CHECK(refused.code == SCHED_OTHER);  // the loop goes on, at normal priority
  CHECK(refused.message ==
        "real-time priority for the lanes refused: Operation not permitted (RLIMIT_RTPRIO is 0, no CAP_SYS_NICE: "
        "the unit's LimitRTPRIO=1 grants it; RestrictRealtime=yes or a SystemCallFilter without "
        "sched_setscheduler takes it away)");
}
