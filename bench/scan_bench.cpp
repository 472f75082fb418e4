// scan_bench: what a scanner's bytes cost the lanes' event loop to decode
// (drivers::LineDecoder), in two shapes a hostile or broken device can send:
//   flood: one read of N bytes holding short lines (a 13-digit scan and "\n");
//   trickle: a 4,096-byte line arriving one byte per read, then its end.
// Prints nanoseconds per byte of each, best of five.
// Usage: scan_bench [FLOOD_BYTES]   (docs/benchmarks.md)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "drivers/scan_decoder.h"

namespace {

template <typename F>
double best_ns_per_byte(size_t bytes, F run) {
  double best = 1e300;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, ns / static_cast<double>(bytes));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t flood_bytes = argc > 1 ? std::stoul(argv[1]) : 1 << 20;
  std::string flood;
  while (flood.size() + 14 <= flood_bytes) flood += "4006381333931\n";
  size_t scans = 0;
  auto count = [&](const std::string&) { ++scans; };
  const double flood_ns = best_ns_per_byte(flood.size(), [&] {
    posd::drivers::LineDecoder d("\n");
    d.feed(flood, count);
  });
  const std::string line(posd::drivers::kMaxScan, '7');
  const double trickle_ns = best_ns_per_byte(line.size() + 1, [&] {
    posd::drivers::LineDecoder d("\r");
    for (char c : line) d.feed(std::string_view(&c, 1), count);
    d.feed("\r", count);
  });
  std::printf("scan_bench: flood of %zu bytes in one read (%zu scans): %.2f ns/byte\n", flood.size(), flood.size() / 14,
              flood_ns);
  std::printf("scan_bench: a %zu-byte line one byte per read: %.2f ns/byte\n", line.size() + 1, trickle_ns);
  return scans > 0 ? 0 : 1;
}
