// Completed sales and returns, the store's counters (receipt numbers, the
// report period, the grand total), and the answers kept for retried
// requests. Run writes inside a Journal mutation, so that each row commits
// with the journal event that records it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/sqlite.h"

namespace posd {

namespace counter {
// Adds `by` to counter `name` and returns the new value.
Result<int64_t> add(sql::Db& db, const std::string& name, int64_t by = 1);
Result<int64_t> read(sql::Db& db, const std::string& name);
}  // namespace counter

namespace sales {

struct SaleRow {
  int64_t receipt_no = 0;
  uint64_t seq = 0;
  int64_t period = 0;  // the report period (days closed by Z so far + 1)
  std::string business_day;
  std::string terminal;
  int64_t total = 0;
  std::string status;  // completed | voided
  // Lines, tenders, tax, change: what the receipt shows. It is the sale
  // event's payload: insert() leaves it to the journal (the row holds ''),
  // get() and each_in_period() read it from there, and fail (corruption)
  // for a sale whose event is gone or is not this sale's.
  nlohmann::json body;
};

struct ReturnRow {
  int64_t return_no = 0;
  std::optional<int64_t> receipt_no;  // none for a refund without receipt
  uint64_t seq = 0;
  int64_t period = 0;
  std::string terminal;
  int64_t refund = 0;
  nlohmann::json body;  // lines [{line, sku, qty, refund}], tender
};

// `s.seq` is the seq its sale event takes in the same write, whose payload
// is `s.body`: the row keeps no copy of it.
Status insert(sql::Db& db, const SaleRow& s);
Result<std::optional<SaleRow>> get(sql::Db& db, int64_t receipt_no);
Status set_status(sql::Db& db, int64_t receipt_no, const std::string& status);
// Counts one more issue of the receipt; returns its copy number (2 for the
// first copy after the original), or not_found.
Result<int64_t> next_copy(sql::Db& db, int64_t receipt_no);
// Hands each sale of report period `period` to `each`, in receipt order, one
// row in memory at a time (a busy day has tens of thousands).
Status each_in_period(sql::Db& db, int64_t period, const std::function<Status(SaleRow&&)>& each);

Status insert_return(sql::Db& db, const ReturnRow& r);
Result<std::vector<ReturnRow>> returns_of(sql::Db& db, int64_t receipt_no);
// The same for the returns of the period, in return order.
Status each_return_in_period(sql::Db& db, int64_t period, const std::function<Status(ReturnRow&&)>& each);

}  // namespace sales

namespace idempotency {

struct Answer {
  std::string request;  // digest of method, path and body
  int status = 0;
  std::string body;
};

Result<std::optional<Answer>> find(sql::Db& db, const std::string& terminal, const std::string& key);
Status put(sql::Db& db, const std::string& terminal, const std::string& key, const Answer& a);

}  // namespace idempotency
}  // namespace posd
