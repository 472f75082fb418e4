#include "checkout/report.h"

#include <map>

namespace posd {

using json = nlohmann::json;

ReportFigures report_figures(const std::vector<Sale>& sales, const std::vector<Return>& returns, int64_t period,
                             int64_t grand_total) {
  ReportFigures f;
  f.period = period;
  f.grand_total = grand_total;
  std::map<std::string, TenderFigures> tenders;
  std::map<std::string, TaxFigures> rates;
  for (const Sale& s : sales) {
    if (s.voided) {
      ++f.void_count;
      f.voided_total += s.total;
      continue;
    }
    ++f.sale_count;
    f.sales_total += s.total;
    f.discount_total += s.discount;
    for (const SaleTender& t : s.tenders) tenders[std::string(rules_of(t.type).name)].sales += t.applied;
    for (const SaleTax& t : s.tax) {
      TaxFigures& r = rates[t.tax_class];
      r.rate_bp = t.rate_bp;
      r.sales_base += t.base;
      r.sales_tax += t.amount;
    }
  }
  f.return_count = static_cast<int64_t>(returns.size());
  for (const Return& r : returns) {
    f.refund_total += r.refund;
    for (const RefundTender& t : r.tenders) tenders[std::string(rules_of(t.type).name)].refunds += t.amount;
    for (const ReturnLine& l : r.lines) {
      TaxFigures& rate = rates[l.tax_class];
      rate.rate_bp = l.rate_bp;
      rate.refunded_tax += l.tax;
    }
  }
  for (auto& [type, t] : tenders) {
    t.type = type;
    f.tenders.push_back(t);
  }
  for (auto& [cls, r] : rates) {
    r.tax_class = cls;
    f.tax.push_back(r);
  }
  return f;
}

json to_json(const ReportFigures& f) {
  json tenders = json::array();
  for (const TenderFigures& t : f.tenders) {
    tenders.push_back({{"type", t.type}, {"sales", t.sales}, {"refunds", t.refunds}, {"net", t.sales - t.refunds}});
  }
  json tax = json::array();
  for (const TaxFigures& r : f.tax) {
    tax.push_back({{"class", r.tax_class}, {"rate_bp", r.rate_bp}, {"sales_base", r.sales_base}, {"sales_tax", r.sales_tax},
                   {"refunded_tax", r.refunded_tax}, {"net_tax", r.sales_tax - r.refunded_tax}});
  }
  return {{"period", f.period},
          {"sale_count", f.sale_count},
          {"void_count", f.void_count},
          {"return_count", f.return_count},
          {"sales_total", f.sales_total},
          {"discount_total", f.discount_total},
          {"voided_total", f.voided_total},
          {"refund_total", f.refund_total},
          {"net_total", f.sales_total - f.refund_total},
          {"tenders", tenders},
          {"tax", tax},
          {"grand_total", f.grand_total}};
}

}  // namespace posd
