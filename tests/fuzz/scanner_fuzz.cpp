// libFuzzer target for what a scanner's bytes become: the line decoder of
// serial and TCP scanners and the key decoder of keyboard wedges, fed in
// arbitrary pieces, then each scan through the text check and the barcode
// reader as posd does. A scan is never empty, never holds a terminator,
// never passes kMaxScan; nothing crashes. The five decoders give mostly the
// same scans, and an input gives the same scan many times: each distinct scan
// goes through the text check and the reader once (they are functions of the
// scan alone), so that an input's cost is its decoding, not its repeats.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "barcode/barcode.h"
#include "drivers/scan_decoder.h"
#include "base/json_fields.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t piece = 1 + data[0] % 64;  // how the bytes arrive: reads of this size
  std::set<std::string> read;
  auto check = [&read](const std::string& scan, std::string_view ends) {
    if (scan.empty() || scan.size() > posd::drivers::kMaxScan) __builtin_trap();
    if (scan.find_first_of(ends) != std::string::npos) __builtin_trap();
    if (!read.insert(scan).second) return;
    if (!posd::valid_utf8(scan)) return;  // refused before the reader, as posd does
    (void)posd::to_json_text(nlohmann::json{{"code", scan}});
    auto s = posd::barcode::read_scan(scan, {.region = "DE", .minor_digits = 2, .this_year = 2026});
    if (s.valid && !s.error.empty()) __builtin_trap();
    if (!posd::valid_utf8(s.error) && posd::valid_utf8(scan)) __builtin_trap();  // errors quote only whole text
  };
  for (const char* ends : {"\r", "\n", "\r\n"}) {
    posd::drivers::LineDecoder lines(ends);
    for (size_t at = 0; at < input.size(); at += piece) {
      lines.feed(input.substr(at, piece), [&](const std::string& scan) { check(scan, ends); });
    }
  }
  for (const char* layout : {"us", "fr"}) {
    posd::drivers::KeyDecoder keys(layout);
    for (size_t at = 0; at < input.size(); at += piece) {
      keys.feed(input.substr(at, piece), [&](const std::string& scan) { check(scan, ""); });
    }
  }
  return 0;
}
