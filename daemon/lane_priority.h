// The event loop answers the lanes; everything else posd does (the journal's
// writer, a catalog's apply, the sync with HQ, the scanners' reads) can wait
// a millisecond. With `lane_priority` "realtime" (the default) the loop's
// thread runs at SCHED_RR priority 1, the lowest real-time one: it runs as
// soon as it wakes, ahead of every normal thread, and the threads it starts
// run at normal priority (SCHED_RESET_ON_FORK). The unit gives it before
// posd starts (CPUSchedulingPolicy=rr, RestrictRealtime=yes kept); run
// otherwise, posd asks for it itself. docs/decisions.md, "The lanes served
// first".
#pragma once

#include <string>

#include "base/status.h"

namespace posd {

enum class LanePriority { realtime, normal };

// "realtime" or "normal" into `out`; false for any other text.
bool parse_lane_priority(const std::string& text, LanePriority& out);

// The calling thread's scheduling, as ps shows it: "RR 1", "TS" (normal),
// "FF 2", "B" (batch), "IDL"; with " (reset on fork)" when it has the flag.
std::string scheduling_of_this_thread();

// Brings the calling thread to `p`:
//  - realtime: kept when it runs at a real-time priority with the reset
//    flag already (the unit's), else asks for SCHED_RR 1 with the flag,
//    which needs CAP_SYS_NICE or RLIMIT_RTPRIO ≥ 1;
//  - normal: a real-time thread back to SCHED_OTHER (keeping the flag,
//    which needs no privilege); any other policy is left as it is.
// Refused, the error says what refused it; the thread keeps its policy.
Status set_lane_priority(LanePriority p);

}  // namespace posd
