// Checkout's journaled writes: completing a sale, voids, returns, stock
// movements, no-sale, and the reads of what they wrote.
#include <boost/asio/post.hpp>

#include <algorithm>
#include <future>

#include "checkout/checkout.h"
#include "checkout/closure.h"
#include "checkout/receipt.h"
#include "checkout/receipt_code.h"
#include "checkout/report.h"
#include "base/json_fields.h"
#include "base/log.h"
#include "storage/catalog.h"
#include "storage/sales.h"
#include "storage/stock.h"
#include "storage/store_tables.h"

namespace posd {

using json = nlohmann::json;

namespace {

// Moves stock for `sku` and appends a low_stock event when on-hand falls
// below the item's threshold by this move.
Status move_stock(WriteContext& ctx, std::vector<Entry>& entries, json& alerts, const std::string& sku,
                  int64_t delta, uint64_t seq, const std::string& kind) {
  auto moved = stock::move(ctx.db, sku, delta, seq, kind);
  if (!moved) return moved.status();
  auto threshold = catalog::low_stock(ctx.db, sku);
  if (!threshold) return threshold.status();
  if (*threshold > 0 && moved->before >= *threshold && moved->after < *threshold) {
    json alert = {{"sku", sku}, {"on_hand", moved->after}, {"low_stock", *threshold}};
    entries.push_back({"low_stock", alert});
    alerts.push_back(alert);
  }
  return Status::ok();
}

int64_t line_quantity(const json& line) {
  return line.contains("weight_g") ? line["weight_g"].get<int64_t>() : line["qty"].get<int64_t>();
}

Outcome sale_not_found(const std::string& receipt) {
  return Outcome::error(Why::not_found, "sale_not_found", "no sale with receipt number " + receipt);
}

Outcome parse_receipt_no(const std::string& s, int64_t& n) {
  if (s.empty() || s.size() > 12 || s.find_first_not_of("0123456789") != std::string::npos) return sale_not_found(s);
  n = std::stoll(s);
  return Outcome::success(json::object());
}

}  // namespace

void Checkout::complete(const Caller& c, const std::string& id, const IdemKey* idem, Done done) {
  Outcome err;
  Basket* b = open_basket(c, id, err);
  if (!b) return done(err);
  if (b->lines.empty()) {
    return done(Outcome::error(Why::conflict, "empty_basket", b->exchange ? "the basket has no new lines: a return alone is POST /v1/returns"
                                                                          : "the basket has no lines"));
  }
  auto promos = promotions(*b);
  if (!promos) return done(Outcome::from(promos.status()));
  const PricedBasket priced = b->price(*promos, rules_);
  if (!priced.limit_error.empty()) return done(Outcome::error(Why::refused, "amount_limit", priced.limit_error));
  if (const int64_t due = b->due(priced); due > 0) {
    return done(Outcome::error(Why::conflict, "not_paid", std::to_string(due) + " is still due"));
  }
  const bool opens_drawer = std::any_of(b->tenders.begin(), b->tenders.end(),
                                       [](const Tender& t) { return rules_of(t.type).opens_drawer; });
  json body = b->to_json(priced, rules_);
  body.erase("state");
  body["terminal"] = c.terminal;
  if (!c.operator_id.empty()) body["operator"] = c.operator_id;
  body["basket_id"] = body["id"];
  body.erase("id");
  const std::optional<Exchange> exchange = b->exchange;
  const int64_t applied = b->credit_applied(priced);
  if (exchange) {
    // The credit of the lines brought back pays first; the return is journaled with the sale.
    body["tenders"].insert(body["tenders"].begin(), json::object({{"type", "exchange"}, {"amount", applied}, {"applied", applied}}));
    body["paid"] = body["paid"].get<int64_t>() + applied;
    body["exchange"] = {{"receipt_no", exchange->receipt_no}, {"credit", exchange->credit()}, {"refund_due", exchange->credit() - applied}};
    body.erase("returned");
    body.erase("refund_due");
  }
  b->state = Basket::State::completing;

  write(c,
      [this, body, lines = b->lines, c, exchange, applied, store = journal_.store_id(), id](WriteContext& ctx, std::vector<Entry>& entries) mutable {
        const std::string& terminal = c.terminal;
        if (rules_.z_before_next_day) {
          if (Outcome closed = require_day_closed(ctx); !closed.ok()) return closed;
        }
        json returned;
        if (exchange) {
          Outcome r = record_exchange_return(ctx, entries, c, id, *exchange, applied, rules_.prices_include_tax);
          if (!r.ok()) return r;
          body["exchange"]["return_no"] = r.body["return_no"];
          returned = {{"return_no", r.body["return_no"]}, {"refund", r.body["refund"]}, {"tenders", r.body["tenders"]},
                      {"refund_due", exchange->credit() - applied}, {"seq", r.body["seq"]}};
        }
        if (Status s = kept_baskets::end(ctx.db, id, ctx.next_seq); !s) return Outcome::from(s);
        auto receipt_no = counter::add(ctx.db, "receipt_no");
        auto period = counter::read(ctx.db, "period");
        if (!receipt_no) return Outcome::from(receipt_no.status());
        if (!period) return Outcome::from(period.status());
        const uint64_t seq = ctx.next_seq + entries.size();  // after an exchange's return
        body["receipt_no"] = *receipt_no;
        entries.push_back({"sale", body});
        const int64_t total = body["total"];
        const sales::SaleRow row{*receipt_no, seq, *period, ctx.business_day, terminal, total, "completed", body};
        Status s = sales::insert(ctx.db, row);
        // The original receipt is issued with the sale; every later issue is a copy.
        auto original = read_sale(row);
        if (!original) return Outcome::from(original.status());
        if (!s) return Outcome::from(s);
        // The receipt code's signature is made on the signer thread while
        // the stock moves below are written (checkout/receipt_code.h).
        ReceiptCode code = receipt_code_of(*original, store);
        std::future<std::string> signature = journal_.sign_beside(code.digest());
        s = counter::add(ctx.db, "grand_total", total).status();
        json alerts = json::array();
        for (const BasketLine& l : lines) {
          if (!s) break;
          const int64_t q = l.input.unit == Unit::kg ? l.input.weight_g : l.input.qty;
          s = move_stock(ctx, entries, alerts, l.input.sku, -q, seq, "sale");
        }
        if (!s) return Outcome::from(s);
        const std::string code_text = code.signed_text(signature.get());
        json out = {{"receipt_no", *receipt_no}, {"total", total}, {"change", body["change"]},
                    {"seq", seq}, {"low_stock", alerts}, {"receipt", receipt_text(*original, store, 1, code_text)},
                    {"receipt_code", code_text}};
        if (exchange) out["exchange"] = returned;
        return Outcome::success(out);
      },
      idem,
      [this, id, terminal = c.terminal, opens_drawer, done](Outcome o) {
        settle(id, o.ok());
        if (o.ok() && !o.replayed) {
          log::get("checkout")->info("sale {} at {}: total {} {}, seq {}", o.body["receipt_no"].dump(), terminal,
                                     o.body["total"].dump(), rules_.currency, o.body["seq"].dump());
          alert_low_stock(o.body["low_stock"]);
          emit(terminal, {{"type", "sale_completed"}, {"receipt_no", o.body["receipt_no"]}, {"total", o.body["total"]}});
          // An exchange that gives cash back opens the drawer too.
          bool cash_back = false;
          if (o.body.contains("exchange")) {
            for (const json& t : o.body["exchange"]["tenders"]) cash_back = cash_back || t["type"] == "cash";
          }
          notify(SaleCompleted{terminal, o.body["receipt_no"], opens_drawer || cash_back});
        }
        done(o);
      });
}

void Checkout::void_sale(const Caller& c, const std::string& receipt, const json& body, const IdemKey* idem, Done done) {
  if (!c.supervisor) return done(Outcome::error(Why::permission_denied, "supervisor_required", "voiding a sale needs a supervisor"));
  int64_t n = 0;
  if (Outcome o = parse_receipt_no(receipt, n); !o.ok()) return done(o);
  std::optional<std::string> reason;
  if (Outcome o = read_reason(body, ReasonUse::void_sale, reason); !o.ok()) return done(o);
  write(c,
      [n, c, reason](WriteContext& ctx, std::vector<Entry>& entries) {
        auto sale = sales::get(ctx.db, n);
        if (!sale) return Outcome::from(sale.status());
        if (!*sale) return sale_not_found(std::to_string(n));
        if ((*sale)->status != "completed") return Outcome::error(Why::conflict, "sale_voided", "the sale is already voided");
        auto period = counter::read(ctx.db, "period");
        auto returns = sales::returns_of(ctx.db, n);
        if (!period) return Outcome::from(period.status());
        if (!returns) return Outcome::from(returns.status());
        if ((*sale)->period != *period) return Outcome::error(Why::conflict, "day_closed", "a sale of a closed day cannot be voided; take a return");
        if (!returns->empty()) return Outcome::error(Why::conflict, "sale_has_returns", "a sale with returns cannot be voided");
        if ((*sale)->body.contains("exchange")) {
          // Its credit came from a return journaled with it: voiding the sale alone would lose it.
          return Outcome::error(Why::conflict, "sale_is_exchange", "an exchange's sale cannot be voided: take a return of its lines");
        }
        const uint64_t seq = ctx.next_seq;
        json record = {{"receipt_no", n}, {"sale_seq", (*sale)->seq}, {"total", (*sale)->total},
                       {"terminal", c.terminal}, {"approved_by", c.approver}};
        if (reason) record["reason"] = *reason;
        entries.push_back({"sale_voided", std::move(record)});
        Status s = sales::set_status(ctx.db, n, "voided");
        if (s) s = counter::add(ctx.db, "grand_total", -(*sale)->total).status();
        json alerts = json::array();
        for (const json& l : (*sale)->body["lines"]) {
          if (!s) break;
          s = move_stock(ctx, entries, alerts, l["sku"], line_quantity(l), seq, "void");
        }
        if (!s) return Outcome::from(s);
        return Outcome::success({{"receipt_no", n}, {"status", "voided"}, {"seq", seq}});
      },
      idem, std::move(done));
}

void Checkout::no_sale(const Caller& c, const json& body, const IdemKey* idem, Done done) {
  if (Outcome o = role_may(c, &RoleLimits::no_sale, "opening the drawer with no sale"); !o.ok()) return done(o);
  std::optional<std::string> reason;
  if (Outcome o = read_reason(body, ReasonUse::no_sale, reason); !o.ok()) return done(o);
  write(c,
      [c, reason](WriteContext& ctx, std::vector<Entry>& entries) {
        json record = {{"terminal", c.terminal}, {"approved_by", c.approver}};
        if (reason) record["reason"] = *reason;
        entries.push_back({"no_sale", std::move(record)});
        return Outcome::success({{"seq", ctx.next_seq}});
      },
      idem, [this, terminal = c.terminal, done = std::move(done)](Outcome o) {
        if (o.ok() && !o.replayed) {
          emit(terminal, {{"type", "drawer_open"}});
          notify(NoSale{terminal});
        }
        done(o);
      });
}

std::string Checkout::receipt_code(const Sale& sale) const {
  ReceiptCode code = receipt_code_of(sale, journal_.store_id());
  return code.signed_text(journal_.sign(code.digest()));
}

void Checkout::reprint(const Caller& c, const std::string& receipt, const IdemKey* idem, Done done) {
  if (!has_printer_(c.terminal)) {
    return done(Outcome::error(Why::conflict, "no_printer", "terminal " + c.terminal + " has no receipt printer; nothing was printed"));
  }
  issue_copy(c, receipt, "printer", idem, std::move(done));
}

void Checkout::receipt_copy(const Caller& c, const std::string& receipt, Done done) {
  issue_copy(c, receipt, "text", nullptr, std::move(done));
}

void Checkout::issue_copy(const Caller& c, const std::string& receipt, const char* channel, const IdemKey* idem, Done done) {
  int64_t n = 0;
  if (Outcome o = parse_receipt_no(receipt, n); !o.ok()) return done(o);
  const std::string store = journal_.store_id();
  write(c,
      [this, n, c, channel, store](WriteContext& ctx, std::vector<Entry>& entries) {
        auto row = sales::get(ctx.db, n);
        if (!row) return Outcome::from(row.status());
        if (!*row) return sale_not_found(std::to_string(n));
        auto copy = sales::next_copy(ctx.db, n);
        if (!copy) return Outcome::from(copy.status());
        entries.push_back({"receipt_reprinted", {{"receipt_no", n}, {"copy", *copy}, {"channel", channel}, {"terminal", c.terminal}}});
        json out = {{"receipt_no", n}, {"duplicate", true}, {"copy", *copy}, {"seq", ctx.next_seq}};
        if (std::string(channel) == "text") {
          auto sale = read_sale(**row);
          if (!sale) return Outcome::from(sale.status());
          out["text"] = receipt_text(*sale, store, *copy, receipt_code(*sale));
        }
        return Outcome::success(out);
      },
      idem, [this, terminal = c.terminal, n, channel, done = std::move(done)](Outcome o) {
        if (o.ok() && !o.replayed && std::string(channel) == "printer") {
          const int64_t copy = o.body.is_object() ? o.body.value("copy", int64_t{2}) : 2;  // a replay from before copies were numbered
          emit(terminal, {{"type", "receipt_reprint"}, {"receipt_no", n}, {"copy", copy}});
          notify(ReceiptReprinted{terminal, n, copy});
        }
        done(o);
      });
}

void Checkout::stock_movement(const Caller& c, const json& body, const IdemKey* idem, Done done) {
  StockMovement m;
  std::optional<int64_t> qty, weight;
  try {
    Fields f(body, "");
    m.sku = f.string("sku");
    const std::string type = f.string("type");
    qty = f.optional_integer("qty", -1'000'000'000, 1'000'000'000);
    weight = f.optional_integer("weight_g", -1'000'000'000, 1'000'000'000);
    m.reason = f.optional_string("reason").value_or("");
    f.no_unknown_keys();
    const auto named = movement_named(type);
    if (!named) throw FieldError{"type", "must be one of " + movement_names()};
    m.type = *named;
    if (qty.has_value() == weight.has_value()) throw FieldError{"qty", "give exactly one of qty or weight_g"};
    m.value = qty ? *qty : *weight;
    if (auto bad = movement_error(m)) throw FieldError{bad->about_reason ? "reason" : qty ? "qty" : "weight_g", bad->why};
  } catch (const FieldError& e) {
    return done(Outcome::error(Why::invalid_argument, "invalid_request", e.message()));
  }
  const std::string& sku = m.sku;
  auto item = catalog::by_sku(reader_, sku);
  if (!item) return done(Outcome::from(item.status()));
  if (!*item) return done(Outcome::error(Why::not_found, "unknown_sku", "no item has the SKU " + sku));
  if (((*item)->unit == Unit::kg) != weight.has_value()) {
    return done(Outcome::error(Why::invalid_argument, "invalid_request", std::string(weight ? "weight_g" : "qty") + ": " + sku +
                                                           ((*item)->unit == Unit::kg ? " is counted in grams" : " is counted in units")));
  }
  write(c,
      [m, c](WriteContext& ctx, std::vector<Entry>& entries) { return record_stock_movement(ctx, entries, m, c.terminal); },
      idem,
      [this, done](Outcome o) {
        if (o.ok() && !o.replayed) alert_low_stock(o.body["low_stock"]);
        done(o);
      });
}

Outcome record_stock_movement(WriteContext& ctx, std::vector<Entry>& entries, const StockMovement& m,
                              const std::string& terminal) {
  const uint64_t seq = ctx.next_seq;
  auto before = stock::on_hand(ctx.db, m.sku);
  if (!before) return Outcome::from(before.status());
  const int64_t delta = movement_delta(m, *before);
  const std::string type(name_of(m.type));
  entries.push_back({"stock_movement", {{"sku", m.sku}, {"type", type}, {"delta", delta}, {"on_hand", *before + delta},
                                        {"reason", m.reason}, {"terminal", terminal}}});
  json alerts = json::array();
  if (Status s = move_stock(ctx, entries, alerts, m.sku, delta, seq, type); !s) return Outcome::from(s);
  return Outcome::made({{"sku", m.sku}, {"delta", delta}, {"on_hand", *before + delta}, {"seq", seq},
                        {"low_stock", alerts}});
}

Outcome Checkout::sale(const std::string& receipt) {
  int64_t n = 0;
  if (Outcome o = parse_receipt_no(receipt, n); !o.ok()) return o;
  auto s = sales::get(reader_, n);
  if (!s) return Outcome::from(s.status());
  if (!*s) return sale_not_found(receipt);
  auto returns = sales::returns_of(reader_, n);
  if (!returns) return Outcome::from(returns.status());
  json j = (*s)->body;
  j["status"] = (*s)->status;
  j["seq"] = (*s)->seq;
  j["business_day"] = (*s)->business_day;
  j["returns"] = json::array();
  for (const auto& r : *returns) j["returns"].push_back({{"return_no", r.return_no}, {"refund", r.refund}, {"lines", r.body["lines"]}});
  return Outcome::success(j);
}


}  // namespace posd
