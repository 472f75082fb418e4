#include "base/allocator.h"

#ifdef POSD_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
#include <malloc.h>
#endif

namespace posd {

#ifdef POSD_JEMALLOC

// jemalloc reads this at its start (MALLOC_CONF in the environment comes
// after it). One arena: nearly every allocation is the loop's, and with one
// arena per CPU core (eight here) what one thread freed was kept for it
// alone: posd's peak RSS at 64 lanes with 1,000,000 items was 32-36 MiB
// against 25.7 with one. Freed pages go back after 1 s, not 10: a lane's
// burst does not stay resident. Weak: a program may set its own (posd-hq
// does, in its main.cpp).
extern "C" const char* malloc_conf;
__attribute__((weak)) const char* malloc_conf = "narenas:1,dirty_decay_ms:1000";

std::string allocator_name() {
  const char* version = nullptr;
  size_t size = sizeof version;
  if (mallctl("version", &version, &size, nullptr, 0) != 0 || !version) return "jemalloc";
  return std::string("jemalloc ") + version;
}

void release_free_memory() {
  static const std::string purge = "arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge";
  (void)mallctl(purge.c_str(), nullptr, nullptr, nullptr, 0);
}

#else

std::string allocator_name() { return "the C library's malloc"; }

void release_free_memory() { ::malloc_trim(0); }

#endif

}  // namespace posd
