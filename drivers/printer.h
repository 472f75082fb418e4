// A receipt printer on TCP port 9100 or a device file (/dev/usb/lp0). Print
// jobs go out in order; a job that fails (printer off, paper out, connection
// refused) stays queued and is retried with backoff (1 s doubling to 30 s),
// logged once per kind of failure, and reported through on_job. The drawer
// kick is never queued: a drawer that opens minutes later is worse than one
// that does not open, so it is sent at once or reported as failed.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>

#include "base/json_fields.h"

namespace posd::drivers {

// How a printer is reached, one type per kind.
struct NetworkPrinter {
  std::string address{};  // host:port (9100)
  bool operator==(const NetworkPrinter&) const = default;
};
struct DevicePrinter {
  std::string path{};  // /dev/usb/lp0
  bool operator==(const DevicePrinter&) const = default;
};
using PrinterPort = std::variant<NetworkPrinter, DevicePrinter>;

struct PrinterConfig {
  std::string id{};        // "lane-1-printer"
  std::string terminal{};  // the terminal whose receipts it prints
  PrinterPort port{};
  // The configuration's "type": "tcp" or "device".
  std::string_view kind() const;
  // Where it is reached: host:port, or its device path.
  const std::string& at() const;
  bool operator==(const PrinterConfig&) const = default;
};

// The kinds of printer, one row each in PrinterPort's order: the
// configuration's "type" and how its own fields are read.
struct PrinterKind {
  std::string_view type;
  PrinterPort (*parse)(Fields& f);
};
std::span<const PrinterKind> printer_kinds();

class Printer {
 public:
  // Called on the io_context when a job was printed or failed (it stays queued).
  using OnJob = std::function<void(const std::string& job, bool printed, const std::string& why)>;

  Printer(boost::asio::io_context& io, PrinterConfig config, OnJob on_job, std::shared_ptr<spdlog::logger> log);
  ~Printer();
  Printer(const Printer&) = delete;
  Printer& operator=(const Printer&) = delete;

  void print(std::string job, std::string bytes);
  void kick_drawer(std::function<void(bool opened, const std::string& why)> done);
  void stop();

  const PrinterConfig& config() const;
  size_t queued() const;
  // "ready", "printing" or "failing" (jobs wait for the printer).
  const char* state() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace posd::drivers
