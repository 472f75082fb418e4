// Names the calling thread as `top -H`, `ps -L` and /proc/PID/task show it,
// so that a store's support can tell posd's threads apart (the journal's
// writer from the event loop). At most 15 characters; a longer name is ignored.
#pragma once

#include <pthread.h>

namespace posd {

inline void name_this_thread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace posd
