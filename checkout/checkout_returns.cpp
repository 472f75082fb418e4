// Returns: with a receipt, never more than was sold and not yet returned,
// refunded at what the customer actually paid per unit (checkout/refund.h);
// without a receipt, up to the caller's role limit (a cashier's is 0 unless configured).
#include <algorithm>

#include "checkout/checkout.h"
#include "checkout/closure.h"
#include "checkout/records.h"
#include "checkout/refund.h"
#include "base/json_fields.h"
#include "base/log.h"
#include "storage/catalog.h"
#include "storage/sales.h"
#include "storage/stock.h"

namespace posd {

using json = nlohmann::json;

namespace {

// The lines of a return with a receipt: the sale and its earlier returns
// read, then the refund rules (checkout/refund.h).
Outcome with_receipt(sql::Db& db, int64_t receipt_no, const std::vector<json>& lines, bool inclusive,
                     std::optional<Sale>& sale, std::vector<Return>& prior, std::vector<ReturnLine>& out) {
  auto row = sales::get(db, receipt_no);
  if (!row) return Outcome::from(row.status());
  if (!*row) return Outcome::error(Why::not_found, "sale_not_found", "no sale with receipt number " + std::to_string(receipt_no));
  if ((*row)->status != "completed") return Outcome::error(Why::conflict, "sale_voided", "the sale was voided");
  auto read = read_sale(**row);
  if (!read) return Outcome::from(read.status());
  sale = std::move(*read);
  auto rows = sales::returns_of(db, receipt_no);
  if (!rows) return Outcome::from(rows.status());
  for (const auto& r : *rows) {
    auto back = read_return(r);
    if (!back) return Outcome::from(back.status());
    prior.push_back(std::move(*back));
  }
  std::vector<ReturnAsked> asked;
  for (const json& want : lines) {
    asked.push_back({want["line"].get<size_t>(), want.contains("qty") ? std::optional<int64_t>(want["qty"]) : std::nullopt,
                     want.contains("weight_g") ? std::optional<int64_t>(want["weight_g"]) : std::nullopt});
  }
  return return_lines(*sale, prior, asked, inclusive, out);
}

// The lines of a refund without a receipt: each item as the catalog has it.
Outcome without_receipt(sql::Db& db, const std::vector<json>& lines, bool inclusive, std::vector<ReturnLine>& out) {
  for (const json& want : lines) {
    auto item = catalog::by_sku(db, want["sku"]);
    if (!item) return Outcome::from(item.status());
    if (!*item) return Outcome::error(Why::not_found, "unknown_sku", "no item has the SKU " + want["sku"].get<std::string>());
    const bool weighed = (*item)->unit == Unit::kg;
    if (!want.contains(weighed ? "weight_g" : "qty")) {
      return Outcome::error(Why::invalid_argument, "invalid_request", "lines: " + (*item)->sku + (weighed ? " is weighed: give weight_g" : " is counted: give qty"));
    }
    auto tc = catalog::tax_class(db, (*item)->tax_class);
    if (!tc) return Outcome::from(tc.status());
    out.push_back(unreceipted_line((*item)->sku, weighed, want[weighed ? "weight_g" : "qty"], want["amount"],
                                   (*item)->tax_class, *tc ? (*tc)->rate_bp : 0, inclusive));
  }
  return Outcome::success(json::object());
}

// The return's event, its row, the grand total and the stock it puts back.
Outcome record_return(WriteContext& ctx, std::vector<Entry>& entries, const Caller& c, std::optional<int64_t> receipt_no,
                      const std::optional<std::string>& reason, const std::vector<ReturnLine>& lines, int64_t refund,
                      const std::vector<RefundTender>& tenders, const std::string& exchange_basket = "") {
  auto return_no = counter::add(ctx.db, "return_no");
  auto period = counter::read(ctx.db, "period");
  if (!return_no) return Outcome::from(return_no.status());
  if (!period) return Outcome::from(period.status());
  const uint64_t seq = ctx.next_seq;
  json lines_json = json::array();
  for (const auto& r : lines) lines_json.push_back(to_json(r));
  json record = {{"return_no", *return_no}, {"lines", lines_json}, {"refund", refund},
                 {"tenders", to_json(tenders)}, {"terminal", c.terminal}};
  if (receipt_no) record["receipt_no"] = *receipt_no;
  if (!c.approver.empty()) record["approved_by"] = c.approver;
  if (!c.operator_id.empty()) record["operator"] = c.operator_id;
  if (reason) record["reason"] = *reason;
  if (!exchange_basket.empty()) record["exchange_basket_id"] = exchange_basket;
  entries.push_back({"return", record});
  Status s = sales::insert_return(ctx.db, {*return_no, receipt_no, seq, *period, c.terminal, refund, record});
  if (s) s = counter::add(ctx.db, "grand_total", -refund).status();
  for (const auto& r : lines) {
    if (!s) break;
    s = stock::move(ctx.db, r.sku, r.quantity, seq, "return").status();
  }
  if (!s) return Outcome::from(s);
  record["seq"] = seq;
  return Outcome::made(record);
}

// The request's fields, each within its bounds (the lines as given, checked).
struct ReturnRequest {
  std::optional<int64_t> receipt_no;
  std::optional<std::string> tender;
  std::optional<std::string> reason;
  std::vector<json> lines;
};

Outcome parse_return(const json& body, ReturnRequest& r) {
  try {
    Fields f(body, "");
    r.receipt_no = f.optional_integer("receipt_no", 1, 999'999'999'999);  // 12 digits, as in the path
    r.tender = f.optional_string("tender");
    r.reason = f.optional_string("reason");
    const json& arr = f.array("lines");
    if (arr.empty()) throw FieldError{"lines", "must hold at least one line"};
    for (size_t i = 0; i < arr.size(); ++i) {
      Fields l(arr[i], "lines[" + std::to_string(i) + "]");
      if (r.receipt_no) l.integer("line", 1, 10000);
      else {
        l.string("sku");
        l.integer("amount", 0, 100'000'000'000);
      }
      l.optional_integer("qty", 1, 1'000'000);
      l.optional_integer("weight_g", 1, 1'000'000);
      if (!arr[i].contains("qty") && !arr[i].contains("weight_g")) throw FieldError{l.child("qty"), "is required (or weight_g)"};
      l.no_unknown_keys();
      r.lines.push_back(arr[i]);
    }
    f.no_unknown_keys();
    if (r.tender && !offered_tender(*r.tender)) throw FieldError{"tender", "must be one of " + tender_names()};
  } catch (const FieldError& e) {
    return Outcome::error(Why::invalid_argument, "invalid_request", e.message());
  }
  return Outcome::success(json::object());
}

}  // namespace

void Checkout::return_items(const Caller& c, const json& body, const IdemKey* idem, Done done) {
  ReturnRequest req;
  if (Outcome o = parse_return(body, req); !o.ok()) return done(o);
  const std::optional<int64_t> receipt_no = req.receipt_no;
  const std::optional<std::string> tender = req.tender;
  const std::optional<std::string> reason = req.reason;
  const std::vector<json> lines = std::move(req.lines);
  if (!receipt_no && !tender) return done(Outcome::error(Why::invalid_argument, "invalid_request", "tender: is required for a refund without a receipt"));
  if (!receipt_no) {
    int64_t asked = 0;
    for (const json& l : lines) asked += l["amount"].get<int64_t>();  // each ≤ 10^11, at most 10,000 of them: no overflow
    const int64_t limit = limits_of(c).max_refund_without_receipt;
    if (asked > limit) {
      return done(Outcome::error(Why::permission_denied, "supervisor_required",
                                 limit == 0 ? "a refund without a receipt needs a supervisor"
                                            : "a refund without a receipt above " + std::to_string(limit) + " needs a supervisor"));
    }
  }
  if (Outcome o = need_reason(ReasonUse::return_items, reason); !o.ok()) return done(o);

  const bool inclusive = rules_.prices_include_tax;
  write(c,
      [this, receipt_no, tender, reason, lines, c, inclusive](WriteContext& ctx, std::vector<Entry>& entries) {
        if (rules_.z_before_next_day) {
          if (Outcome closed = require_day_closed(ctx); !closed.ok()) return closed;
        }
        std::vector<ReturnLine> out;
        std::optional<Sale> sale;
        std::vector<Return> prior;
        Outcome planned = receipt_no ? with_receipt(ctx.db, *receipt_no, lines, inclusive, sale, prior, out)
                                     : without_receipt(ctx.db, lines, inclusive, out);
        if (!planned.ok()) return planned;

        int64_t refund = 0;
        for (const auto& r : out) refund += r.refund;
        std::vector<RefundTender> tenders;
        if (tender) {
          const TenderType type = tender_named(*tender)->type;
          const bool original = !sale || std::any_of(sale->tenders.begin(), sale->tenders.end(),
                                                     [&](const SaleTender& t) { return t.type == type; });
          if (!original && !c.supervisor) {
            return Outcome::error(Why::permission_denied, "supervisor_required", "refunding to another tender than the sale's needs a supervisor");
          }
          tenders = {{type, refund}};
        } else {
          tenders = split_refund(*sale, prior, refund);
        }
        return record_return(ctx, entries, c, receipt_no, reason, out, refund, tenders);
      },
      idem, [done](Outcome o) {
        if (o.ok() && !o.replayed) {
          log::get("checkout")->info("return {} at {}: refund {}, seq {}", o.body["return_no"].dump(),
                                     o.body["terminal"].get<std::string>(), o.body["refund"].dump(), o.body["seq"].dump());
        }
        done(o);
      });
}

Outcome Checkout::set_exchange(const Caller& c, const std::string& id, const json& body) {
  Outcome err;
  Basket* b = open_basket(c, id, err);
  if (!b) return err;
  if (!b->tenders.empty()) return Outcome::error(Why::conflict, "basket_has_tenders", "the basket cannot change once a tender is taken");
  ReturnRequest req;
  if (Outcome o = parse_return(body, req); !o.ok()) return o;
  if (!req.receipt_no) return Outcome::error(Why::invalid_argument, "invalid_request", "receipt_no: is required: an exchange brings lines back from a sale");
  if (req.tender) return Outcome::error(Why::invalid_argument, "invalid_request", "tender: an exchange's credit pays the basket's new lines; it takes no tender");
  if (Outcome o = need_reason(ReasonUse::return_items, req.reason); !o.ok()) return o;
  Exchange x;
  x.receipt_no = *req.receipt_no;
  x.reason = req.reason.value_or("");
  std::optional<Sale> sale;
  std::vector<Return> prior;
  if (Outcome o = with_receipt(reader_, x.receipt_no, req.lines, rules_.prices_include_tax, sale, prior, x.lines); !o.ok()) return o;
  for (const ReturnLine& l : x.lines) {
    x.asked.push_back({l.line, l.weighed ? std::nullopt : std::optional<int64_t>(l.quantity),
                       l.weighed ? std::optional<int64_t>(l.quantity) : std::nullopt});
  }
  auto before = b->exchange;
  b->exchange = std::move(x);
  return changed(c, *b, [b, before] { b->exchange = before; });
}

Outcome Checkout::remove_exchange(const Caller& c, const std::string& id) {
  Outcome err;
  Basket* b = open_basket(c, id, err);
  if (!b) return err;
  if (!b->tenders.empty()) return Outcome::error(Why::conflict, "basket_has_tenders", "the basket cannot change once a tender is taken");
  if (!b->exchange) return Outcome::error(Why::not_found, "no_exchange", "the basket holds no returned lines");
  auto before = b->exchange;
  b->exchange.reset();
  return changed(c, *b, [b, before] { b->exchange = before; });
}

Outcome record_exchange_return(WriteContext& ctx, std::vector<Entry>& entries, const Caller& c, const std::string& basket_id,
                               const Exchange& x, int64_t applied, bool inclusive) {
  std::vector<json> lines;
  for (const ReturnAsked& a : x.asked) {
    json l = {{"line", a.line}};
    if (a.qty) l["qty"] = *a.qty;
    if (a.weight_g) l["weight_g"] = *a.weight_g;
    lines.push_back(std::move(l));
  }
  std::vector<ReturnLine> out;
  std::optional<Sale> sale;
  std::vector<Return> prior;
  if (Outcome o = with_receipt(ctx.db, x.receipt_no, lines, inclusive, sale, prior, out); !o.ok()) return o;
  int64_t refund = 0;
  for (const ReturnLine& l : out) refund += l.refund;
  if (refund != x.credit()) {
    // Another return of the same sale since the lines were named: the
    // customer was shown another credit.
    return Outcome::error(Why::conflict, "exchange_changed",
                          "the sale's returns changed since its lines were brought back: name them again (PUT …/returns)");
  }
  std::vector<RefundTender> tenders;
  if (applied > 0) tenders.push_back({TenderType::exchange, applied});
  for (const RefundTender& t : split_refund(*sale, prior, refund - applied)) tenders.push_back(t);
  const std::optional<std::string> reason = x.reason.empty() ? std::nullopt : std::optional<std::string>(x.reason);
  return record_return(ctx, entries, c, x.receipt_no, reason, out, refund, tenders, basket_id);
}

}  // namespace posd
