#include "daemon/lane_priority.h"

#include <linux/capability.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace posd {

namespace {

bool real_time(int policy) {
  policy &= ~SCHED_RESET_ON_FORK;
  return policy == SCHED_RR || policy == SCHED_FIFO;
}

bool has_sys_nice() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  return (data[CAP_TO_INDEX(CAP_SYS_NICE)].effective & CAP_TO_MASK(CAP_SYS_NICE)) != 0;
}

// Why the kernel said no (`err`) to a change to or from real-time: what the
// process has, and what takes it away.
std::string refusal(int err, bool to_real_time) {
  std::string why = std::strerror(err);
  if (err != EPERM) return why;
  if (!to_real_time) {
    return why + " (a real-time thread without CAP_SYS_NICE may leave it only with its reset-on-fork flag; "
                 "under RestrictRealtime=yes not at all: the unit's CPUSchedulingPolicy=rr sets it, remove it there)";
  }
  rlimit lim{};
  const bool read = ::getrlimit(RLIMIT_RTPRIO, &lim) == 0;
  const std::string limit = !read ? "unknown" : lim.rlim_cur == RLIM_INFINITY ? "unlimited" : std::to_string(lim.rlim_cur);
  const bool sys_nice = has_sys_nice();
  if ((!read || lim.rlim_cur == 0) && !sys_nice) {
    return why + " (RLIMIT_RTPRIO is " + limit + " and no CAP_SYS_NICE: the unit's CPUSchedulingPolicy=rr gives it "
                 "before posd starts)";
  }
  return why + " (RLIMIT_RTPRIO is " + limit + (sys_nice ? ", with CAP_SYS_NICE" : "") +
         ": refused by a system call filter (RestrictRealtime=yes, SystemCallFilter without sched_setscheduler) or by "
         "real-time group scheduling, where the cgroup's cpu.rt_runtime_us is 0)";
}

}  // namespace

bool parse_lane_priority(const std::string& text, LanePriority& out) {
  if (text == "realtime") out = LanePriority::realtime;
  else if (text == "normal") out = LanePriority::normal;
  else return false;
  return true;
}

std::string scheduling_of_this_thread() {
  const int raw = ::sched_getscheduler(0);
  if (raw < 0) return std::string("unknown (") + std::strerror(errno) + ")";
  const int policy = raw & ~SCHED_RESET_ON_FORK;
  std::string out;
  switch (policy) {
    case SCHED_OTHER: out = "TS"; break;
    case SCHED_BATCH: out = "B"; break;
    case SCHED_IDLE: out = "IDL"; break;
    case SCHED_RR: out = "RR"; break;
    case SCHED_FIFO: out = "FF"; break;
    default: out = "policy " + std::to_string(policy);
  }
  if (real_time(policy)) {
    sched_param param{};
    if (::sched_getparam(0, &param) == 0) out += " " + std::to_string(param.sched_priority);
  }
  if (raw & SCHED_RESET_ON_FORK) out += " (reset on fork)";
  return out;
}

Status set_lane_priority(LanePriority p) {
  const int now = ::sched_getscheduler(0);
  if (now < 0) return Status::io_error(std::string("the loop's scheduling cannot be read: ") + std::strerror(errno));
  const bool resets = (now & SCHED_RESET_ON_FORK) != 0;
  sched_param param{};
  if (p == LanePriority::realtime) {
    if (real_time(now) && resets) return Status::ok();  // given before posd started (the unit)
    int policy = SCHED_RR;
    param.sched_priority = 1;
    if (real_time(now) && ::sched_getparam(0, &param) == 0) policy = now & ~SCHED_RESET_ON_FORK;  // only the flag is missing
    if (::sched_setscheduler(0, policy | SCHED_RESET_ON_FORK, &param) == 0) return Status::ok();
    return Status::permission_denied("real-time priority for the lanes refused: " + refusal(errno, true));
  }
  if (!real_time(now)) return Status::ok();  // normal, batch or idle as the operator set it
  if (::sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &param) == 0) return Status::ok();
  return Status::permission_denied("normal priority for the event loop refused: " + refusal(errno, false));
}

}  // namespace posd
