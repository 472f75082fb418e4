// Barcode scanners: each configured device is bound to a terminal and hands
// every complete scan (the bytes up to its terminator, terminator removed)
// to `on_scan` on the io_context's thread. Three sources:
//   serial  USB-CDC-ACM or RS-232 (/dev/ttyACM0, /dev/ttyUSB0): baud rate and
//           suffix (CR, LF, CRLF) as configured
//   evdev   a USB HID keyboard-wedge scanner (/dev/input/by-id/…-event-kbd):
//           grabbed (EVIOCGRAB) so its keystrokes reach no console, key codes
//           translated with shift through a layout (us, fr), ended by Enter
//   tcp     network scanners (and tests) connect and send lines
// Adding a kind: its port type in ScannerPort, its Source in scanner.cpp, its
// row in kKinds (type and parse), and an overload in make_scanner's and at()'s
// visitors (a missing one fails to compile); docs/architecture.md.
// A device that is missing or goes away is retried with backoff (1 s to
// 30 s) and logged once per kind of failure; plugged back, it works again.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>

#include "base/json_fields.h"
#include "drivers/scan_decoder.h"

namespace posd::drivers {

// How a scanner is reached, one type per kind with what only it needs.
struct SerialPort {
  std::string path{};         // /dev/ttyACM0
  unsigned baud = 9600;
  std::string suffix = "CR";  // CR, LF or CRLF
  bool operator==(const SerialPort&) const = default;
};
struct KeyboardWedge {
  std::string path{};         // /dev/input/by-id/…-event-kbd
  std::string layout = "us";  // us or fr
  bool operator==(const KeyboardWedge&) const = default;
};
struct NetworkScanner {
  std::string listen{};  // host:port
  bool operator==(const NetworkScanner&) const = default;
};
using ScannerPort = std::variant<SerialPort, KeyboardWedge, NetworkScanner>;

struct ScannerConfig {
  std::string id{};        // "lane-1-scanner"
  std::string terminal{};  // the terminal its scans belong to
  ScannerPort port{};
  bool into_basket = false;  // add each scan to the terminal's open basket
  // The configuration's "type": "serial", "evdev" or "tcp".
  std::string_view kind() const;
  // Where it is reached: its device path, or the host:port it listens on.
  const std::string& at() const;
  bool operator==(const ScannerConfig&) const = default;
};

using OnScan = std::function<void(const ScannerConfig& scanner, const std::string& data)>;

class Scanner {
 public:
  virtual ~Scanner() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
  // "connected", "waiting" (missing or unplugged, retrying) or "stopped".
  virtual const char* state() const = 0;
  virtual const ScannerConfig& config() const = 0;
};

std::unique_ptr<Scanner> make_scanner(boost::asio::io_context& io, ScannerConfig config, OnScan on_scan,
                                      std::shared_ptr<spdlog::logger> logger);

// The kinds of scanner, one row each, in ScannerPort's order: the
// configuration's "type" and how the kind's own fields are read (a bad field
// is a FieldError naming it). make_scanner builds each by its port.
struct ScannerKind {
  std::string_view type;
  ScannerPort (*parse)(Fields& f);
};
std::span<const ScannerKind> scanner_kinds();

}  // namespace posd::drivers
