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

// The period's figures per operator, from its journal events alone (sale,
// sale_voided, return, no_sale; each names its `operator`, none before
// operators): what each rang up (voided later or not) and gave by hand,
// voided, refunded, and how often they opened the drawer with no sale. So
// Σ sales_total − Σ voided_total over the operators is the period's
// sales_total. Events with no operator count under a null operator.
class OperatorTally {
 public:
  // Counts one event; corruption when a sum overflows or an amount is missing.
  Status add(const std::string& type, const nlohmann::json& payload);
  // [{operator, sale_count, sales_total, manual_discount_total, void_count,
  //   voided_total, return_count, refund_total, no_sale_count}] by operator.
  nlohmann::json to_json() const;

 private:
  struct Figures {
    int64_t sale_count = 0, sales_total = 0, manual_discount_total = 0, void_count = 0, voided_total = 0,
            return_count = 0, refund_total = 0, no_sale_count = 0;
  };
  std::map<std::string, Figures> by_;  // "" for none
};

// All at once (a tally of `sales` and `returns`).
Result<ReportFigures> report_figures(const std::vector<Sale>& sales, const std::vector<Return>& returns, int64_t period,
                                     int64_t grand_total);
nlohmann::json to_json(const ReportFigures& f);

}  // namespace posd
