#include "base/allocator.h"

#ifdef POSD_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
#include <malloc.h>
#endif

namespace posd {

#ifdef POSD_JEMALLOC

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
