#include "daemon/lane_priority.h"

#include <sched.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace posd {

bool parse_lane_priority(const std::string& text, LanePriority& out) {
  if (text == "realtime") out = LanePriority::realtime;
  else if (text == "normal") out = LanePriority::normal;
  else return false;
  return true;
}

Status set_lane_priority(LanePriority p) {
  sched_param param{};
  int policy = SCHED_OTHER;
  if (p == LanePriority::realtime) {
    policy = SCHED_RR | SCHED_RESET_ON_FORK;
    param.sched_priority = 1;
  }
  if (::sched_setscheduler(0, policy, &param) == 0) return Status::ok();
  const int err = errno;
  std::string why = std::strerror(err);
  if (err == EPERM) {
    rlimit lim{};
    const rlim_t rtprio = ::getrlimit(RLIMIT_RTPRIO, &lim) == 0 ? lim.rlim_cur : 0;
    why += " (RLIMIT_RTPRIO is " + std::to_string(rtprio) +
           ", no CAP_SYS_NICE: the unit's LimitRTPRIO=1 grants it; RestrictRealtime=yes or a SystemCallFilter "
           "without sched_setscheduler takes it away)";
  }
  return Status::permission_denied("real-time priority for the lanes refused: " + why);
}

}  // namespace posd
