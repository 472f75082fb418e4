// The event loop answers the lanes; everything else posd does (the journal's
// writer, a catalog's apply, the sync with HQ, the scanners' reads) can wait
// a millisecond. With `lane_priority` "realtime" (the default) the loop's
// thread asks the kernel for SCHED_RR at priority 1, the lowest real-time
// one: it then runs as soon as it wakes, ahead of every normal thread, and
// the threads it starts run at normal priority (SCHED_RESET_ON_FORK).
// docs/decisions.md, "The lanes served first".
#pragma once

#include <string>

#include "base/status.h"

namespace posd {

enum class LanePriority { realtime, normal };

// "realtime" or "normal" into `out`; false for any other text.
bool parse_lane_priority(const std::string& text, LanePriority& out);

// Sets the calling thread's scheduling. An unprivileged process needs
// RLIMIT_RTPRIO ≥ 1 (systemd: LimitRTPRIO=1) or CAP_SYS_NICE for realtime;
// refused, the error says so and the thread keeps its normal priority.
Status set_lane_priority(LanePriority p);

}  // namespace posd
