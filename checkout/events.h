// What happened at the checkout, as typed values, for whoever acts on it in
// the store (the receipt printer and the drawer, the metrics). Terminals hear
// the same moments as JSON on their event stream (EventSink, checkout.h); these
// are for code. Delivered on the event loop, after the write is durable.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

namespace posd {

// A sale was written. `opens_drawer`: a tender whose rules open the drawer was taken.
struct SaleCompleted {
  std::string terminal;
  int64_t receipt_no = 0;
  bool opens_drawer = false;
};
// A copy of a receipt was asked for a printer (and journaled with its number).
struct ReceiptReprinted {
  std::string terminal;
  int64_t receipt_no = 0;
  int64_t copy = 2;
};
// A closure was journaled: a Z (report "Z") or a monthly or yearly closure
// (report "month", "year"): its figures, with "journal": {seq, hash,
// signature, anchor} to print as the closure's anchor.
struct Closed {
  std::string terminal;
  nlohmann::json closure;
};
// A supervisor opened the drawer with no sale (journaled).
struct NoSale {
  std::string terminal;
};
// A stock movement took an item below its threshold.
struct LowStock {
  std::string sku;
  int64_t on_hand = 0;
  int64_t threshold = 0;
};

using CheckoutEvent = std::variant<SaleCompleted, ReceiptReprinted, Closed, NoSale, LowStock>;
using CheckoutListener = std::function<void(const CheckoutEvent&)>;

}  // namespace posd
