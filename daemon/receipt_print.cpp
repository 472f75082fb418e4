#include "daemon/receipt_print.h"

#include "checkout/receipt.h"
#include "drivers/escpos.h"

namespace posd {

std::string receipt_escpos(const Sale& sale, const std::string& store_id, int64_t copy) {
  const bool duplicate = copy > 1;
  using escpos::Align;
  escpos::Document d;
  const std::string receipt_no = std::to_string(sale.receipt_no);
  if (duplicate) d.align(Align::center).bold(true).line(duplicate_mark(copy)).bold(false);
  d.align(Align::center).double_size(true).line(store_id).double_size(false);
  d.align(Align::left).text(receipt_text(sale, store_id));  // the marks are printed bold around it
  d.align(Align::center).feed(1).qr("posd:" + store_id + ":" + receipt_no).feed(1).line("Receipt " + receipt_no);
  if (duplicate) d.bold(true).line(duplicate_mark(copy)).bold(false);
  d.align(Align::left).cut();
  return d.bytes();
}

}  // namespace posd
