#include "checkout/report.h"

#include <map>

namespace posd {

using json = nlohmann::json;

json report_figures(const std::vector<Sale>& sales, const std::vector<Return>& returns, int64_t period,
                    int64_t grand_total) {
  int64_t sale_count = 0, void_count = 0, gross = 0, discounts = 0, voided = 0, refunds = 0;
  std::map<std::string, int64_t> tenders, refunded;
  struct Rate { int64_t rate_bp = 0, base = 0, tax = 0, refunded_tax = 0; };
  std::map<std::string, Rate> rates;
  for (const auto& s : sales) {
    if (s.voided) {
      ++void_count;
      voided += s.total;
      continue;
    }
    ++sale_count;
    gross += s.total;
    discounts += s.discount;
    for (const SaleTender& t : s.tenders) tenders[std::string(rules_of(t.type).name)] += t.applied;
    for (const SaleTax& t : s.tax) {
      Rate& r = rates[t.tax_class];
      r.rate_bp = t.rate_bp;
      r.base += t.base;
      r.tax += t.amount;
    }
  }
  for (const auto& r : returns) {
    refunds += r.refund;
    for (const RefundTender& t : r.tenders) refunded[std::string(rules_of(t.type).name)] += t.amount;
    for (const ReturnLine& l : r.lines) {
      Rate& rate = rates[l.tax_class];
      rate.rate_bp = l.rate_bp;
      rate.refunded_tax += l.tax;
    }
  }
  json tender_json = json::array();
  std::map<std::string, int64_t> all = tenders;
  for (const auto& [k, v] : refunded) all[k] += 0;
  for (const auto& [type, _] : all) {
    tender_json.push_back({{"type", type}, {"sales", tenders[type]}, {"refunds", refunded[type]},
                           {"net", tenders[type] - refunded[type]}});
  }
  json tax_json = json::array();
  for (const auto& [cls, r] : rates) {
    tax_json.push_back({{"class", cls}, {"rate_bp", r.rate_bp}, {"sales_base", r.base}, {"sales_tax", r.tax},
                        {"refunded_tax", r.refunded_tax}, {"net_tax", r.tax - r.refunded_tax}});
  }
  return {{"period", period},
          {"sale_count", sale_count},
          {"void_count", void_count},
          {"return_count", returns.size()},
          {"sales_total", gross},
          {"discount_total", discounts},
          {"voided_total", voided},
          {"refund_total", refunds},
          {"net_total", gross - refunds},
          {"tenders", tender_json},
          {"tax", tax_json},
          {"grand_total", grand_total}};
}

}  // namespace posd
