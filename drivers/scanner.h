// Barcode scanners: each configured device is bound to a terminal and hands
// every complete scan (the bytes up to its terminator, terminator removed)
// to `on_scan` on the io_context's thread. Three sources:
//   serial  USB-CDC-ACM or RS-232 (/dev/ttyACM0, /dev/ttyUSB0): baud rate and
//           suffix (CR, LF, CRLF) as configured
//   evdev   a USB HID keyboard-wedge scanner (/dev/input/by-id/…-event-kbd):
//           grabbed (EVIOCGRAB) so its keystrokes reach no console, key codes
//           translated with shift through a layout (us, fr), ended by Enter
//   tcp     network scanners (and tests) connect and send lines
// A device that is missing or goes away is retried with backoff (1 s to
// 30 s) and logged once per kind of failure; plugged back, it works again.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>

#include "drivers/scan_decoder.h"

namespace posd::drivers {

struct ScannerConfig {
  std::string id{};        // "lane-1-scanner"
  std::string terminal{};  // the terminal its scans belong to
  std::string kind{};      // "serial", "evdev" or "tcp"
  std::string path{};      // serial and evdev: the device
  std::string listen{};    // tcp: host:port
  unsigned baud = 9600;  // serial
  std::string suffix = "CR";  // serial: CR, LF or CRLF
  std::string layout = "us";  // evdev: us or fr
  bool into_basket = false;   // add each scan to the terminal's open basket
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

}  // namespace posd::drivers
