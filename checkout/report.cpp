#include "checkout/report.h"

#include <map>

namespace posd {

using json = nlohmann::json;

json report_figures(const std::vector<sales::SaleRow>& sales, const std::vector<sales::ReturnRow>& returns,
                    int64_t period, int64_t grand_total) {
  int64_t sale_count = 0, void_count = 0, gross = 0, discounts = 0, voided = 0, refunds = 0;
  std::map<std::string, int64_t> tenders, refunded;
  struct Rate { int64_t rate_bp = 0, base = 0, tax = 0, refunded_tax = 0; };
  std::map<std::string, Rate> rates;
  for (const auto& s : sales) {
    if (s.status != "completed") {
      ++void_count;
      voided += s.total;
      continue;
    }
    ++sale_count;
    gross += s.total;
    discounts += s.body["discount"].get<int64_t>();
    for (const json& t : s.body["tenders"]) tenders[t["type"]] += t["applied"].get<int64_t>();
    for (const json& t : s.body["tax"]) {
      Rate& r = rates[t["class"]];
      r.rate_bp = t["rate_bp"];
      r.base += t["base"].get<int64_t>();
      r.tax += t["amount"].get<int64_t>();
    }
  }
  for (const auto& r : returns) {
    refunds += r.refund;
    for (const json& t : r.body["tenders"]) refunded[t["type"]] += t["amount"].get<int64_t>();
    for (const json& l : r.body["lines"]) {
      Rate& rate = rates[l["tax_class"]];
      rate.rate_bp = l["rate_bp"];
      rate.refunded_tax += l["tax"].get<int64_t>();
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
