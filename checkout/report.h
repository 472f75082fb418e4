// The X and Z figures of a report period: sales and returns counted, money
// per tender type and per tax rate, and the grand total that never resets.
// Pure: the records come in, the figures go out; to_json is the form the
// X/Z answers and the z_report event carry.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "checkout/records.h"

namespace posd {

struct TenderFigures {
  std::string type;
  int64_t sales = 0;    // applied at sales
  int64_t refunds = 0;  // given back at returns
};

struct TaxFigures {
  std::string tax_class;
  int64_t rate_bp = 0;
  int64_t sales_base = 0;
  int64_t sales_tax = 0;
  int64_t refunded_tax = 0;
};

struct ReportFigures {
  int64_t period = 0;
  int64_t sale_count = 0;
  int64_t void_count = 0;
  int64_t return_count = 0;
  int64_t sales_total = 0;
  int64_t discount_total = 0;
  int64_t manual_discount_count = 0;  // sales with a manual discount
  int64_t manual_discount_total = 0;  // of discount_total: given by hand
  int64_t voided_total = 0;
  int64_t refund_total = 0;
  std::vector<TenderFigures> tenders;  // by type name
  std::vector<TaxFigures> tax;         // by tax class
  int64_t grand_total = 0;
};

// The figures summed one record at a time, so that a day of any size is
// reported in constant memory. Sums are checked: an overflow is
// corruption (the amounts are each bounded; their sum is not).
class ReportTally {
 public:
  Status add(const Sale& s);
  Status add(const Return& r);
  ReportFigures figures(int64_t period, int64_t grand_total) const;

 private:
  ReportFigures f_;
  std::map<std::string, TenderFigures> tenders_;
  std::map<std::string, TaxFigures> rates_;
};

// All at once (a tally of `sales` and `returns`).
Result<ReportFigures> report_figures(const std::vector<Sale>& sales, const std::vector<Return>& returns, int64_t period,
                                     int64_t grand_total);
nlohmann::json to_json(const ReportFigures& f);

}  // namespace posd
