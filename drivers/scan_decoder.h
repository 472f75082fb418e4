// What a scanner's bytes mean, with no I/O: the decoders the scanner sources
// feed and the fuzz target drives. A scan is never empty, never holds its
// terminator, and is at most kMaxScan bytes (longer without an end: noise,
// dropped). Scans are bytes: whether they are text is the caller's question.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace posd::drivers {

constexpr size_t kMaxScan = 4096;

using ScanSink = std::function<void(const std::string& scan)>;

// Serial and TCP scanners: every piece ended by one of `terminators` is a scan.
class LineDecoder {
 public:
  explicit LineDecoder(std::string terminators) : terminators_(std::move(terminators)) {}
  void feed(std::string_view bytes, const ScanSink& sink);
  void reset() { buf_.clear(); }

 private:
  std::string terminators_;
  std::string buf_;
};

// Keyboard-wedge scanners: Linux `struct input_event` records, key presses
// typed through `layout` with shift, a scan ended by Enter.
class KeyDecoder {
 public:
  explicit KeyDecoder(std::string layout) : layout_(std::move(layout)) {}
  void feed(std::string_view bytes, const ScanSink& sink);
  void reset();

 private:
  std::string layout_;
  std::string bytes_, text_;
  int shift_ = 0;
};

// The character a key (a Linux KEY_* code) types under `layout`, with or
// without shift; 0 when it types none.
char key_char(const std::string& layout, unsigned code, bool shift);

}  // namespace posd::drivers
