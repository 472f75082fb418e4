// libFuzzer target for the barcode reader: whatever bytes a scanner (or a
// broken one) sends, read_scan must answer without crashing, and a scan it
// calls valid must be self-consistent. scripts/fuzz runs it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "barcode/barcode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const char* region : {"", "DE", "GB", "SE", "DK", "FI"}) {
    posd::barcode::Scan s = posd::barcode::read_scan(input, {.region = region, .minor_digits = 2, .this_year = 2026});
    if (s.valid && !s.error.empty()) __builtin_trap();
    if (s.gtin && s.gtin->size() != 14) __builtin_trap();
    if (s.valid && s.gtin && s.lookup.size() != 14) __builtin_trap();
  }
  return 0;
}
