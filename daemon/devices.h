// The store's devices wired to the checkout: each terminal's receipt printer
// (a completed sale prints its receipt and, when a tender that opens the
// drawer was taken, kicks the drawer; a reprint prints a DUPLICATE; a no-sale
// kicks the drawer) and the scanners (each scan to its terminal's stream and,
// when configured, into its open basket). A print job's fate and a failed
// drawer go to the terminal's stream. Lives on the event loop's thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "checkout/checkout.h"
#include "daemon/events.h"
#include "drivers/printer.h"
#include "drivers/scanner.h"

namespace posd {

class Devices {
 public:
  // `checkout` and `events` must outlive this. Listens to the checkout.
  Devices(boost::asio::io_context& ioc, Checkout& checkout, Events& events, std::string store_id);
  ~Devices();

  // Stops the running devices and starts these (at start and on reload).
  void start(const std::vector<drivers::ScannerConfig>& scanners, const std::vector<drivers::PrinterConfig>& printers);
  void stop();
  // [{"id", "kind", "type", "terminal", "state", …}] for /v1/status and /metrics.
  nlohmann::json list() const;
  size_t scanner_count() const { return scanners_.size(); }
  size_t printer_count() const { return printers_.size(); }

 private:
  void on_checkout(const CheckoutEvent& e);
  void print_receipt(const std::string& terminal, int64_t receipt_no, int64_t copy);
  void kick(const std::string& terminal);
  void on_scan(const drivers::ScannerConfig& s, const std::string& code);

  boost::asio::io_context& ioc_;
  Checkout& checkout_;
  Events& events_;
  std::string store_id_;
  std::map<std::string, std::unique_ptr<drivers::Printer>> printers_;  // by terminal
  std::vector<std::unique_ptr<drivers::Scanner>> scanners_;
};

}  // namespace posd
