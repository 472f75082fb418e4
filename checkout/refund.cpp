#include "checkout/refund.h"

#include <algorithm>
#include <map>

#include "checkout/money.h"
#include "checkout/pricing.h"

namespace posd {

Outcome return_lines(const Sale& sale, const std::vector<Return>& prior, const std::vector<ReturnAsked>& asked,
                     bool inclusive, std::vector<ReturnLine>& out) {
  std::vector<ReturnLine> lines;
  std::map<size_t, int64_t> returned;
  for (const Return& r : prior) {
    for (const ReturnLine& l : r.lines) returned[l.line] += l.quantity;
  }
  for (const ReturnAsked& want : asked) {
    const size_t n = want.line;
    if (n < 1 || n > sale.lines.size()) {
      return Outcome::error(Why::refused, "line_not_found", "the sale has no line " + std::to_string(n));
    }
    const SaleLine& sold = sale.lines[n - 1];
    ReturnLine r;
    r.line = n;
    r.sku = sold.sku;
    r.weighed = sold.weighed;
    if (r.weighed ? want.qty.has_value() : want.weight_g.has_value()) {
      return Outcome::error(Why::invalid_argument, "invalid_request", "lines: line " + std::to_string(n) +
                                                                          (r.weighed ? " was weighed: give weight_g" : " was counted: give qty"));
    }
    r.quantity = r.weighed ? want.weight_g.value_or(0) : want.qty.value_or(0);
    const int64_t before = returned[n];
    if (before + r.quantity > sold.quantity) {
      return Outcome::error(Why::refused, "exceeds_sold", "line " + std::to_string(n) + ": " +
                                                               std::to_string(sold.quantity - before) + " left to return, " +
                                                               std::to_string(r.quantity) + " asked");
    }
    returned[n] += r.quantity;
    const int64_t net = sold.net();
    const int64_t refund_net = money::mul_div_round(net, before + r.quantity, sold.quantity) -
                               money::mul_div_round(net, before, sold.quantity);
    r.tax_class = sold.tax_class;
    r.rate_bp = sale.rate_of(r.tax_class);
    r.tax = tax_of(refund_net, r.rate_bp, inclusive);
    r.refund = inclusive ? refund_net : refund_net + r.tax;
    lines.push_back(std::move(r));
  }
  out = std::move(lines);
  return Outcome::success(nlohmann::json::object());
}

ReturnLine unreceipted_line(std::string sku, bool weighed, int64_t quantity, int64_t refund, std::string tax_class,
                            int64_t rate_bp, bool inclusive) {
  ReturnLine r;
  r.sku = std::move(sku);
  r.weighed = weighed;
  r.quantity = quantity;
  r.refund = refund;
  r.tax_class = std::move(tax_class);
  r.rate_bp = rate_bp;
  // The refund is what the customer gets: its tax is inside it in either mode
  // (rounded from the net side when prices exclude tax).
  r.tax = inclusive ? tax_of(refund, rate_bp, true) : refund - money::mul_div_round(refund, 10000, 10000 + rate_bp);
  return r;
}

std::vector<RefundTender> split_refund(const Sale& sale, const std::vector<Return>& prior, int64_t refund) {
  std::map<TenderType, int64_t> left;
  for (const SaleTender& t : sale.tenders) left[t.type] += t.applied;
  for (const Return& r : prior) {
    for (const RefundTender& t : r.tenders) left[t.type] -= t.amount;
  }
  std::vector<const TenderRules*> order;
  for (const TenderRules& r : tender_types()) {
    if (r.offered) order.push_back(&r);  // an exchange's credit is no money to give back: its share goes as cash
  }
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->refund_order < b->refund_order; });
  std::vector<RefundTender> out;
  for (const TenderRules* r : order) {
    const int64_t take = std::min(refund, std::max<int64_t>(0, left[r->type]));
    if (take > 0) out.push_back({r->type, take});
    refund -= take;
  }
  if (refund > 0) {  // rounding remainders, and what an exchange's credit paid
    auto cash = std::find_if(out.begin(), out.end(), [](const RefundTender& t) { return t.type == TenderType::cash; });
    if (cash != out.end()) cash->amount += refund;
    else out.push_back({TenderType::cash, refund});
  }
  return out;
}

}  // namespace posd
