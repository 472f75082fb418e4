// Returns: with a receipt, never more than was sold and not yet returned,
// refunded at what the customer actually paid per unit; without a receipt,
// only with a supervisor.
#include <algorithm>

#include "checkout/checkout.h"
#include "base/json_fields.h"
#include "base/log.h"
#include "storage/catalog.h"
#include "storage/sales.h"
#include "storage/stock.h"

namespace posd {

using json = nlohmann::json;

namespace {

struct ReturnLine {
  size_t line = 0;        // 1-based line of the sale; 0 without a receipt
  std::string sku;
  int64_t quantity = 0;   // units, or grams
  bool weighed = false;
  int64_t refund = 0;     // what the customer gets back for this line
  int64_t tax = 0;
  std::string tax_class;
  int64_t rate_bp = 0;
};

// Splits `refund` over the tender types of the sale in their refund order
// (card, voucher, cash: checkout/tender.cpp), each up to what it paid less
// what was already refunded to it; what is left (rounding) goes back as cash.
json default_tenders(const json& sale, const std::vector<sales::ReturnRow>& prior, int64_t refund) {
  std::map<std::string, int64_t> left;
  for (const json& t : sale["tenders"]) left[t["type"]] += t["applied"].get<int64_t>();
  for (const auto& r : prior) {
    for (const json& t : r.body["tenders"]) left[t["type"]] -= t["amount"].get<int64_t>();
  }
  std::vector<const TenderRules*> order;
  for (const TenderRules& r : tender_types()) order.push_back(&r);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->refund_order < b->refund_order; });
  json out = json::array();
  for (const TenderRules* r : order) {
    const std::string type(r->name);
    const int64_t take = std::min(refund, std::max<int64_t>(0, left[type]));
    if (take > 0) out.push_back({{"type", type}, {"amount", take}});
    refund -= take;
  }
  if (refund > 0) out.push_back({{"type", rules_of(TenderType::cash).name}, {"amount", refund}});  // rounding remainders
  return out;
}

}  // namespace

void Checkout::return_items(const Caller& c, const json& body, const IdemKey* idem, Done done) {
  std::optional<int64_t> receipt_no;
  std::optional<std::string> tender;
  std::vector<json> lines;
  try {
    Fields f(body, "");
    receipt_no = f.optional_integer("receipt_no", 1, 999'999'999'999);  // 12 digits, as in the path
    tender = f.optional_string("tender");
    const json& arr = f.array("lines");
    if (arr.empty()) throw FieldError{"lines", "must hold at least one line"};
    for (size_t i = 0; i < arr.size(); ++i) {
      Fields l(arr[i], "lines[" + std::to_string(i) + "]");
      if (receipt_no) l.integer("line", 1, 10000);
      else {
        l.string("sku");
        l.integer("amount", 0, 100'000'000'000);
      }
      l.optional_integer("qty", 1, 1'000'000);
      l.optional_integer("weight_g", 1, 1'000'000);
      if (!arr[i].contains("qty") && !arr[i].contains("weight_g")) throw FieldError{l.child("qty"), "is required (or weight_g)"};
      l.no_unknown_keys();
      lines.push_back(arr[i]);
    }
    f.no_unknown_keys();
    if (tender && !tender_named(*tender)) throw FieldError{"tender", "must be one of " + tender_names()};
  } catch (const FieldError& e) {
    return done(Outcome::error(Why::invalid_argument, "invalid_request", e.message()));
  }
  if (!receipt_no && !c.supervisor) return done(Outcome::error(Why::permission_denied, "supervisor_required", "a refund without a receipt needs a supervisor"));
  if (!receipt_no && !tender) return done(Outcome::error(Why::invalid_argument, "invalid_request", "tender: is required for a refund without a receipt"));

  const bool inclusive = rules_.prices_include_tax;
  write(
      [receipt_no, tender, lines, c, inclusive](WriteContext& ctx, std::vector<Entry>& entries) {
        std::vector<ReturnLine> out;
        json sale_body;
        std::vector<sales::ReturnRow> prior;
        if (receipt_no) {
          auto sale = sales::get(ctx.db, *receipt_no);
          if (!sale) return Outcome::from(sale.status());
          if (!*sale) return Outcome::error(Why::not_found, "sale_not_found", "no sale with receipt number " + std::to_string(*receipt_no));
          if ((*sale)->status != "completed") return Outcome::error(Why::conflict, "sale_voided", "the sale was voided");
          sale_body = (*sale)->body;
          auto p = sales::returns_of(ctx.db, *receipt_no);
          if (!p) return Outcome::from(p.status());
          prior = std::move(*p);
          std::map<size_t, int64_t> returned;
          for (const auto& r : prior) {
            for (const json& l : r.body["lines"]) returned[l["line"].get<size_t>()] += l["quantity"].get<int64_t>();
          }
          for (const json& want : lines) {
            const size_t n = want["line"];
            const json& sold_lines = sale_body["lines"];
            if (n > sold_lines.size()) return Outcome::error(Why::refused, "line_not_found", "the sale has no line " + std::to_string(n));
            const json& sold = sold_lines[n - 1];
            ReturnLine r;
            r.line = n;
            r.sku = sold["sku"];
            r.weighed = sold.contains("weight_g");
            if (want.contains(r.weighed ? "qty" : "weight_g")) {
              return Outcome::error(Why::invalid_argument, "invalid_request", std::string("lines: line ") + std::to_string(n) +
                                                                 (r.weighed ? " was weighed: give weight_g" : " was counted: give qty"));
            }
            r.quantity = want[r.weighed ? "weight_g" : "qty"];
            const int64_t sold_q = sold[r.weighed ? "weight_g" : "qty"];
            const int64_t before = returned[n];
            if (before + r.quantity > sold_q) {
              return Outcome::error(Why::refused, "exceeds_sold", "line " + std::to_string(n) + ": " + std::to_string(sold_q - before) +
                                                             " left to return, " + std::to_string(r.quantity) + " asked");
            }
            returned[n] += r.quantity;
            // What was paid for the first k units is net × k / sold, rounded; a
            // return refunds the difference, so all returns add up to the net exactly.
            const int64_t net = sold["amount"].get<int64_t>() - sold["discount"].get<int64_t>();
            const int64_t refund_net = money::mul_div_round(net, before + r.quantity, sold_q) - money::mul_div_round(net, before, sold_q);
            r.tax_class = sold["tax_class"];
            for (const json& t : sale_body["tax"]) {
              if (t["class"] == r.tax_class) r.rate_bp = t["rate_bp"];
            }
            r.tax = tax_of(refund_net, r.rate_bp, inclusive);
            r.refund = inclusive ? refund_net : refund_net + r.tax;
            out.push_back(r);
          }
        } else {
          for (const json& want : lines) {
            auto item = catalog::by_sku(ctx.db, want["sku"]);
            if (!item) return Outcome::from(item.status());
            if (!*item) return Outcome::error(Why::not_found, "unknown_sku", "no item has the SKU " + want["sku"].get<std::string>());
            ReturnLine r;
            r.sku = (*item)->sku;
            r.weighed = (*item)->unit == Unit::kg;
            if (!want.contains(r.weighed ? "weight_g" : "qty")) {
              return Outcome::error(Why::invalid_argument, "invalid_request", "lines: " + r.sku + (r.weighed ? " is weighed: give weight_g" : " is counted: give qty"));
            }
            r.quantity = want[r.weighed ? "weight_g" : "qty"];
            r.refund = want["amount"];
            r.tax_class = (*item)->tax_class;
            auto tc = catalog::tax_class(ctx.db, r.tax_class);
            if (!tc) return Outcome::from(tc.status());
            r.rate_bp = *tc ? (*tc)->rate_bp : 0;
            r.tax = inclusive ? tax_of(r.refund, r.rate_bp, true)
                              : r.refund - money::mul_div_round(r.refund, 10000, 10000 + r.rate_bp);
            out.push_back(r);
          }
        }

        int64_t refund = 0;
        for (const auto& r : out) refund += r.refund;
        json tenders;
        if (tender) {
          bool original = !receipt_no;
          if (receipt_no) {
            for (const json& t : sale_body["tenders"]) original = original || t["type"] == *tender;
          }
          if (!original && !c.supervisor) {
            return Outcome::error(Why::permission_denied, "supervisor_required", "refunding to another tender than the sale's needs a supervisor");
          }
          tenders = json::array({{{"type", *tender}, {"amount", refund}}});
        } else {
          tenders = default_tenders(sale_body, prior, refund);
        }

        auto return_no = counter::add(ctx.db, "return_no");
        auto period = counter::read(ctx.db, "period");
        if (!return_no) return Outcome::from(return_no.status());
        if (!period) return Outcome::from(period.status());
        const uint64_t seq = ctx.next_seq;
        json lines_json = json::array();
        for (const auto& r : out) {
          json l = {{"sku", r.sku}, {"quantity", r.quantity}, {r.weighed ? "weight_g" : "qty", r.quantity},
                    {"refund", r.refund}, {"tax", r.tax}, {"tax_class", r.tax_class}, {"rate_bp", r.rate_bp}};
          if (r.line) l["line"] = r.line;
          lines_json.push_back(l);
        }
        json record = {{"return_no", *return_no}, {"lines", lines_json}, {"refund", refund},
                       {"tenders", tenders}, {"terminal", c.terminal}};
        if (receipt_no) record["receipt_no"] = *receipt_no;
        if (!c.approver.empty()) record["approved_by"] = c.approver;
        entries.push_back({"return", record});
        Status s = sales::insert_return(ctx.db, {*return_no, receipt_no, seq, *period, c.terminal, refund, record});
        if (s) s = counter::add(ctx.db, "grand_total", -refund).status();
        for (const auto& r : out) {
          if (!s) break;
          s = stock::move(ctx.db, r.sku, r.quantity, seq, "return").status();
        }
        if (!s) return Outcome::from(s);
        record["seq"] = seq;
        return Outcome::made(record);
      },
      idem, [done](Outcome o) {
        if (o.ok()) {
          log::get("checkout")->info("return {} at {}: refund {}, seq {}", o.body["return_no"].dump(),
                                     o.body["terminal"].get<std::string>(), o.body["refund"].dump(), o.body["seq"].dump());
        }
        done(o);
      });
}

}  // namespace posd
