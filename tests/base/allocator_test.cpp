// The allocator the build names is the one that serves malloc and new.
#include <catch2/catch.hpp>

#include <sys/types.h>

#include <cstdlib>
#include <memory>

#include "base/allocator.h"

#ifdef POSD_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace {

#ifdef POSD_JEMALLOC
// Bytes this thread has had from jemalloc so far.
uint64_t allocated_here() {
  uint64_t n = 0;
  size_t size = sizeof n;
  REQUIRE(mallctl("thread.allocated", &n, &size, nullptr, 0) == 0);
  return n;
}
#endif

}  // namespace

TEST_CASE("the allocator the build names is the one malloc and new go through", "[allocator]") {
#ifdef POSD_JEMALLOC
  CHECK(posd::allocator_name().rfind("jemalloc 5.", 0) == 0);
  const uint64_t before = allocated_here();
  void* block = std::malloc(1 << 20);
  REQUIRE(block);
  const uint64_t after_malloc = allocated_here();
  auto object = std::make_unique<char[]>(1 << 20);
  const uint64_t after_new = allocated_here();
  std::free(block);
  CHECK(after_malloc - before >= (1u << 20));
  CHECK(after_new - after_malloc >= (1u << 20));
  // And it runs as base/allocator.cpp configures it: one arena, 1 s decay.
  unsigned arenas = 0;
  size_t size = sizeof arenas;
  REQUIRE(mallctl("opt.narenas", &arenas, &size, nullptr, 0) == 0);
  CHECK(arenas == 1);
  ssize_t decay = 0;
  size = sizeof decay;
  REQUIRE(mallctl("opt.dirty_decay_ms", &decay, &size, nullptr, 0) == 0);
  CHECK(decay == 1000);
#else
  CHECK(posd::allocator_name() == "the C library's malloc");
#endif
  posd::release_free_memory();  // and nothing breaks when it gives memory back
}
