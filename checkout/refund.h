// What a return gives back, as plain functions of the sale and what was
// returned of it before: no clock, no database. The rules are in
// docs/catalog.md ("Returns"); tests/checkout/refund_test.cpp holds them as
// tables.
#pragma once

#include <optional>
#include <vector>

#include "checkout/outcome.h"
#include "checkout/records.h"

namespace posd {

// One line a customer brings back: line n of the sale, qty or weight_g.
struct ReturnAsked {
  size_t line = 0;
  std::optional<int64_t> qty;
  std::optional<int64_t> weight_g;
};

// The lines of a return with a receipt, each never more than was sold less
// what earlier returns took, refunded at what the customer paid: the first k
// of n units cost net × k / n rounded, and a return refunds the difference, so
// that all returns of a line add up to its net exactly. The tax is that of the
// sale's rate, inside the refund (`inclusive`) or on top of it. Refused
// (line_not_found, exceeds_sold, invalid_request) with nothing in `out`.
Outcome return_lines(const Sale& sale, const std::vector<Return>& prior, const std::vector<ReturnAsked>& asked,
                     bool inclusive, std::vector<ReturnLine>& out);

// A line refunded without a receipt: `refund` is what the customer gets; its
// tax is inside it at the item's rate in either mode.
ReturnLine unreceipted_line(std::string sku, bool weighed, int64_t quantity, int64_t refund, std::string tax_class,
                            int64_t rate_bp, bool inclusive);

// Splits `refund` over the sale's tenders in their refund order (card,
// voucher, cash: checkout/tender.h), each up to what it paid less what
// earlier returns gave back to it; what is left (rounding, and what an
// exchange's credit paid) goes back as cash, in one cash row.
std::vector<RefundTender> split_refund(const Sale& sale, const std::vector<Return>& prior, int64_t refund);

}  // namespace posd
