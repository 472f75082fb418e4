// The checkout's records as typed values: a completed sale and a return, as
// the journal and the sales tables keep them. JSON appears only at the two
// ends: read_sale/read_return take the stored record (checked, so a damaged
// row is an error, not a crash), and the API encodes answers from the stored
// JSON as before. Refunds, reports, receipts and the drawer work on these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "checkout/tender.h"
#include "storage/sales.h"

namespace posd {

struct SaleLine {
  std::string sku;
  std::string name;
  bool weighed = false;     // sold by weight: `quantity` is grams
  int64_t quantity = 0;     // units, or grams
  int64_t unit_price = 0;   // per unit or per kg
  int64_t amount = 0;       // before discounts
  int64_t discount = 0;     // every discount: promotions', manual ones
  std::string tax_class;
  int64_t manual = 0;       // of `discount`: the line's manual discount
  std::string manual_reason;
  int64_t basket_manual = 0;  // of `discount`: its share of the basket's manual discount
  int64_t net() const { return amount - discount; }
};

struct SaleTender {
  TenderType type = TenderType::cash;
  int64_t amount = 0;   // handed over
  int64_t applied = 0;  // what it paid of the sale
  std::string masked_pan;
};

struct SaleTax {
  std::string tax_class;
  int64_t rate_bp = 0;
  int64_t base = 0;
  int64_t amount = 0;
};

struct Sale {
  int64_t receipt_no = 0;
  uint64_t seq = 0;
  std::string business_day;
  std::string terminal;
  bool voided = false;
  std::string currency;
  bool prices_include_tax = true;
  std::vector<SaleLine> lines;
  std::vector<SaleTax> tax;
  std::vector<SaleTender> tenders;
  int64_t discount = 0;
  int64_t manual = 0;         // of `discount`: every manual discount, lines' and basket's
  int64_t basket_manual = 0;  // the basket's manual discount
  std::string basket_manual_reason;
  // An exchange: the receipt its lines came back from, their credit, and
  // what of it went back to the customer (0s for a plain sale).
  int64_t exchange_receipt_no = 0;
  int64_t exchange_credit = 0;
  int64_t exchange_refund_due = 0;
  int64_t total = 0;
  int64_t rounding = 0;
  int64_t change = 0;
  // The rate of a tax class on this sale (0 when the sale has none).
  int64_t rate_of(const std::string& tax_class) const;
};

struct ReturnLine {
  size_t line = 0;  // 1-based line of the sale; 0 without a receipt
  std::string sku;
  bool weighed = false;
  int64_t quantity = 0;  // units, or grams
  int64_t refund = 0;    // what the customer gets back for this line
  int64_t tax = 0;
  std::string tax_class;
  int64_t rate_bp = 0;
};

struct RefundTender {
  TenderType type = TenderType::cash;
  int64_t amount = 0;
};

struct Return {
  int64_t return_no = 0;
  std::optional<int64_t> receipt_no;  // none for a refund without a receipt
  std::vector<ReturnLine> lines;
  int64_t refund = 0;
  std::vector<RefundTender> tenders;
};

// From the stored rows; corruption naming the field when a row is damaged.
Result<Sale> read_sale(const sales::SaleRow& row);
// A sale as GET /v1/sales answers it (the receipt's input).
Result<Sale> read_sale(const nlohmann::json& answer);
Result<Return> read_return(const sales::ReturnRow& row);

// The stored forms (the journal's payloads keep exactly these fields).
nlohmann::json to_json(const ReturnLine& l);
// And back; throws json's exceptions on a line without its fields.
ReturnLine return_line(const nlohmann::json& l);
nlohmann::json to_json(const std::vector<RefundTender>& tenders);

}  // namespace posd
