// The X and Z reports of a busy day in constant memory: every allocation of
// this test binary through operator new is counted (SQLite's own malloc is
// not: its page cache is bounded by its configuration), and the
// most bytes live at once while an X report of 4,000 sales is answered must
// stay far below what the day's sales take when read back and parsed (3.2 MB
// for these). The report once read the whole period into memory: a Z of a
// 71,428-sale day left posd at 571 MB, and a dashboard asks for the X every
// few seconds.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>

#include "tests/daemon/node.h"
#include "tests/faults/lanes.h"

// ASan brings its own operator new (nothrow forms included) and checks
// that each delete matches its new; the count runs in the normal build.
#if !defined(__SANITIZE_ADDRESS__)
#define POSD_COUNT_ALLOCATIONS 1
#endif

namespace {

std::atomic<int64_t> g_live{0}, g_peak{0};

#if POSD_COUNT_ALLOCATIONS

void* counted(std::size_t n) {
  // A header before the block keeps its size for the delete.
  auto* p = static_cast<std::max_align_t*>(std::malloc(n + sizeof(std::max_align_t)));
  if (!p) throw std::bad_alloc();
  *reinterpret_cast<std::size_t*>(p) = n;
  const int64_t live = g_live += static_cast<int64_t>(n);
  for (int64_t peak = g_peak.load(); live > peak && !g_peak.compare_exchange_weak(peak, live);) {
  }
  return p + 1;
}

void uncounted(void* q) noexcept {
  if (!q) return;
  auto* p = static_cast<std::max_align_t*>(q) - 1;
  g_live -= static_cast<int64_t>(*reinterpret_cast<std::size_t*>(p));
  std::free(p);
}

void* counted_nothrow(std::size_t n) noexcept {
  try {
    return counted(n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
#endif

}  // namespace

#if POSD_COUNT_ALLOCATIONS
void* operator new(std::size_t n) { return counted(n); }
void* operator new[](std::size_t n) { return counted(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_nothrow(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_nothrow(n); }
void operator delete(void* p) noexcept { uncounted(p); }
void operator delete[](void* p) noexcept { uncounted(p); }
void operator delete(void* p, std::size_t) noexcept { uncounted(p); }
void operator delete[](void* p, std::size_t) noexcept { uncounted(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { uncounted(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { uncounted(p); }
#endif

using namespace posd;

TEST_CASE("an X report of a busy day is answered in constant memory", "[faults][report]") {
#if !POSD_COUNT_ALLOCATIONS
  SUCCEED("allocations are counted in the normal build; ASan owns operator new here");
  return;
#endif
  test::Node node;
  test::load_demo_catalog(node.journal());
  const int sales = 4000;
  for (int i = 0; i < sales; ++i) REQUIRE(test::sell_in_process(node, "lane-1", static_cast<unsigned>(i)).ok());
  test::Lane office(node.port(), test::kSupervisorToken);

  const int64_t before = g_live.load();
  g_peak = before;
  auto x = office.get("/v1/reports/x");
  const int64_t most = g_peak.load() - before;
  REQUIRE(x.status == 200);
  CHECK(x.json()["sale_count"] == sales);
  WARN("X report of " << sales << " sales: " << most << " bytes live at most beyond the " << before << " before");
  CHECK(most < 1024 * 1024);
}
