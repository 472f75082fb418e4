// The memory allocator posd's programs run on: jemalloc where the build links
// it (POSD_JEMALLOC, the default outside the sanitizer and fuzz builds), else
// the C library's malloc. jemalloc took a fifth of the loop's CPU off a sale
// and of posd-hq's off a drain (docs/benchmarks.md, docs/decisions.md).
#pragma once

#include <string>

namespace posd {

// "jemalloc 5.3.0-0-g…", or "the C library's malloc": said at start.
std::string allocator_name();

// Gives memory freed to the allocator back to the system now, not when the
// allocator would on its own (a slow subscriber's queue, gone).
void release_free_memory();

}  // namespace posd
