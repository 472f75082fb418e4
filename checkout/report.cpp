#include "checkout/report.h"

#include <map>

#include "checkout/money.h"

namespace posd {

using json = nlohmann::json;

namespace {

// `into` += `amount`, or corruption on an overflow.
Status sum(int64_t& into, int64_t amount) {
  auto r = money::add(into, amount);
  if (!r) return Status::corruption("report figures overflow: a sum passed the largest amount");
  into = *r;
  return Status::ok();
}

}  // namespace

Status ReportTally::add(const Sale& s) {
  if (s.voided) {
    ++f_.void_count;
    return sum(f_.voided_total, s.total);
  }
  ++f_.sale_count;
  if (Status st = sum(f_.sales_total, s.total); !st) return st;
  if (Status st = sum(f_.discount_total, s.discount); !st) return st;
  if (s.manual > 0) {
    ++f_.manual_discount_count;
    if (Status st = sum(f_.manual_discount_total, s.manual); !st) return st;
  }
  for (const SaleTender& t : s.tenders) {
    if (Status st = sum(tenders_[std::string(rules_of(t.type).name)].sales, t.applied); !st) return st;
  }
  for (const SaleTax& t : s.tax) {
    TaxFigures& r = rates_[t.tax_class];
    r.rate_bp = t.rate_bp;
    if (Status st = sum(r.sales_base, t.base); !st) return st;
    if (Status st = sum(r.sales_tax, t.amount); !st) return st;
  }
  return Status::ok();
}

Status ReportTally::add(const Return& r) {
  ++f_.return_count;
  if (Status st = sum(f_.refund_total, r.refund); !st) return st;
  for (const RefundTender& t : r.tenders) {
    if (Status st = sum(tenders_[std::string(rules_of(t.type).name)].refunds, t.amount); !st) return st;
  }
  for (const ReturnLine& l : r.lines) {
    TaxFigures& rate = rates_[l.tax_class];
    rate.rate_bp = l.rate_bp;
    if (Status st = sum(rate.refunded_tax, l.tax); !st) return st;
  }
  return Status::ok();
}

ReportFigures ReportTally::figures(int64_t period, int64_t grand_total) const {
  ReportFigures f = f_;
  f.period = period;
  f.grand_total = grand_total;
  for (const auto& [type, t] : tenders_) {
    f.tenders.push_back(t);
    f.tenders.back().type = type;
  }
  for (const auto& [cls, r] : rates_) {
    f.tax.push_back(r);
    f.tax.back().tax_class = cls;
  }
  return f;
}

Status OperatorTally::add(const std::string& type, const json& payload) {
  if (type != "sale" && type != "sale_voided" && type != "return" && type != "no_sale") return Status::ok();
  const json* op = payload.is_object() && payload.contains("operator") ? &payload["operator"] : nullptr;
  Figures& f = by_[op && op->is_string() ? op->get<std::string>() : ""];
  const auto amount = [&](const char* key) -> int64_t {
    const json* v = payload.contains(key) ? &payload[key] : nullptr;
    return v && v->is_number_integer() ? v->get<int64_t>() : 0;
  };
  Status st = Status::ok();
  if (type == "sale") {
    ++f.sale_count;
    st = sum(f.sales_total, amount("total"));
    if (st) st = sum(f.manual_discount_total, amount("manual_discount_total"));
  } else if (type == "sale_voided") {
    ++f.void_count;
    st = sum(f.voided_total, amount("total"));
  } else if (type == "return") {
    ++f.return_count;
    st = sum(f.refund_total, amount("refund"));
  } else if (type == "no_sale") {
    ++f.no_sale_count;
  }
  return st;
}

json OperatorTally::to_json() const {
  json out = json::array();
  for (const auto& [id, f] : by_) {
    out.push_back({{"operator", id.empty() ? json(nullptr) : json(id)},
                   {"sale_count", f.sale_count},
                   {"sales_total", f.sales_total},
                   {"manual_discount_total", f.manual_discount_total},
                   {"void_count", f.void_count},
                   {"voided_total", f.voided_total},
                   {"return_count", f.return_count},
                   {"refund_total", f.refund_total},
                   {"no_sale_count", f.no_sale_count}});
  }
  return out;
}

Result<ReportFigures> report_figures(const std::vector<Sale>& sales, const std::vector<Return>& returns, int64_t period,
                                     int64_t grand_total) {
  ReportTally tally;
  for (const Sale& s : sales) {
    if (Status st = tally.add(s); !st) return st;
  }
  for (const Return& r : returns) {
    if (Status st = tally.add(r); !st) return st;
  }
  return tally.figures(period, grand_total);
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
          {"manual_discount_count", f.manual_discount_count},
          {"manual_discount_total", f.manual_discount_total},
          {"voided_total", f.voided_total},
          {"refund_total", f.refund_total},
          {"net_total", f.sales_total - f.refund_total},
          {"tenders", tenders},
          {"tax", tax},
          {"grand_total", f.grand_total}};
}

}  // namespace posd
