#include "hq/mirror.h"

#include <algorithm>

namespace posd::hq {

using json = nlohmann::json;

namespace {

// Reads without throwing: an event from a store is signed, but its payload's
// shape is still checked before the mirror trusts it.
std::optional<int64_t> integer(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

// A text without NUL characters: PostgreSQL cannot hold them, and the
// mirror must never stop a batch the ledger can take.
std::optional<std::string> text(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  std::string out = it->get<std::string>();
  if (out.find('\0') != std::string::npos) return std::nullopt;
  return out;
}

const json* array(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? &*it : nullptr;
}

// A sale line's quantity: grams for a weighed item, else units.
std::optional<int64_t> line_quantity(const json& l) {
  if (auto g = integer(l, "weight_g")) return g;
  return integer(l, "qty");
}

Status add(int64_t& to, int64_t v) {
  int64_t sum = 0;
  if (__builtin_add_overflow(to, v, &sum)) return Status::corruption("a mirrored figure would pass 64 bits");
  to = sum;
  return Status::ok();
}

}  // namespace

int hour_of(const std::string& ts) {
  if (ts.size() < 13 || ts[10] != 'T' || ts[11] < '0' || ts[11] > '2' || ts[12] < '0' || ts[12] > '9') return -1;
  const int h = (ts[11] - '0') * 10 + (ts[12] - '0');
  return h < 24 ? h : -1;
}

Status MirrorPass::stock(const std::string& sku, int64_t delta, uint64_t seq) {
  StockFigure& f = delta_.stock[sku];
  f.seq = seq;
  return add(f.set ? *f.set : f.delta, delta);  // after a figure set in this pass, onto it
}

std::string sql_checked_add(const std::string& held, const std::string& added) {
  return "CASE WHEN (" + added + " > 0 AND " + held + " > 9223372036854775807 - " + added + ") OR (" + added + " < 0 AND " +
         held + " < -9223372036854775807 - 1 - " + added + ") THEN " + held + " ELSE " + held + " + " + added + " END";
}

Status MirrorPass::figure(const SalesKey& k, int64_t SalesFigure::*field, int64_t v) {
  return add(delta_.sales[k].*field, v);
}

// A sale (sign 1) or its void (-1) at `seq`: its stock, and its figures in the sale's own hour.
Status MirrorPass::sold(const Event& sale, int sign, const std::string& business_day, int hour, uint64_t seq) {
  const json* lines = array(sale.payload, "lines");
  auto total = integer(sale.payload, "total");
  if (!lines || !total) return ++skipped_, Status::ok();
  for (const json& l : *lines) {
    auto sku = text(l, "sku");
    auto q = line_quantity(l);
    if (!sku || !q) return ++skipped_, Status::ok();
  }
  for (const json& l : *lines) {
    const std::string sku = *text(l, "sku");
    const int64_t q = *line_quantity(l);
    const int64_t net = integer(l, "amount").value_or(0) - integer(l, "discount").value_or(0);
    if (Status s = stock(sku, sign > 0 ? -q : q, seq); !s) return s;
    const SalesKey k{business_day, hour, sku};
    if (Status s = figure(k, &SalesFigure::count, sign); !s) return s;
    if (Status s = figure(k, &SalesFigure::quantity, sign * q); !s) return s;
    if (Status s = figure(k, &SalesFigure::amount, sign * net); !s) return s;
  }
  const SalesKey k{business_day, hour, ""};
  if (Status s = figure(k, &SalesFigure::count, sign); !s) return s;
  return figure(k, &SalesFigure::amount, sign * *total);
}

// What an applied down-log entry did at the store, and its outcome.
Status MirrorPass::applied(const Event& e) {
  auto hq_seq = integer(e.payload, "hq_seq");
  auto kind = text(e.payload, "kind");
  if (!hq_seq || *hq_seq < 1 || !kind) return ++skipped_, Status::ok();
  DownOutcome o{static_cast<uint64_t>(*hq_seq), e.seq, e.type == "hq_applied", *kind,
                text(e.payload, "reason").value_or("")};
  // A store applies each hq_seq once; should one come twice, the last counts.
  auto same = std::find_if(delta_.outcomes.begin(), delta_.outcomes.end(),
                           [&](const DownOutcome& d) { return d.hq_seq == o.hq_seq; });
  if (same != delta_.outcomes.end()) *same = o;
  else delta_.outcomes.push_back(o);
  if (!o.applied) return Status::ok();
  const json change = e.payload.value("change", json::object());
  if (*kind == "stock_snapshot") {
    const json* stock = array(change, "stock");
    if (!stock) return ++skipped_, Status::ok();
    for (const json& l : *stock) {
      auto sku = text(l, "sku");
      auto on_hand = integer(l, "on_hand");
      if (!sku || !on_hand) continue;
      StockFigure& f = delta_.stock[*sku];
      f.set = *on_hand;
      f.delta = 0;
      f.seq = e.seq;
    }
  } else if (*kind == "reservation") {
    auto order = text(change, "order_id");
    auto action = text(change, "action");
    const json* lines = array(change, "lines");
    if (!order || !action || !lines) return ++skipped_, Status::ok();
    const int sign = *action == "reserve" ? -1 : *action == "release" ? 1 : 0;
    for (const json& l : *lines) {
      auto sku = text(l, "sku");
      auto qty = integer(l, "qty");
      if (!sku || !qty) continue;
      if (Status s = stock(*sku, sign * *qty, e.seq); !s) return s;
      if (Status s = add(delta_.stock[*sku].reserved, sign < 0 ? *qty : -*qty); !s) return s;
    }
    const char* status = sign < 0 ? "reserved" : sign > 0 ? "released" : "picked";
    delta_.reservations[*order] = Reservation{*order, status, *lines, e.seq};
  }
  return Status::ok();
}

Status MirrorPass::take(const Event& e) {
  Status s = take_one(e);
  // A figure past 64 bits is left out (and counted), never a stopped batch.
  if (s.code() == Status::Code::corruption) {
    ++skipped_;
    return Status::ok();
  }
  return s;
}

Status MirrorPass::take_one(const Event& e) {
  const int hour = std::max(0, hour_of(e.ts));
  if (e.type == "sale") {
    sales_[e.seq] = e;
    return sold(e, 1, e.business_day, hour, e.seq);
  }
  if (e.type == "sale_voided") {
    auto receipt = integer(e.payload, "receipt_no");
    if (!receipt) return ++skipped_, Status::ok();
    auto named = integer(e.payload, "sale_seq");
    std::optional<uint64_t> seq;
    if (named && *named > 0) seq = static_cast<uint64_t>(*named);
    std::optional<Event> sale;
    if (seq && sales_.count(*seq)) {
      sale = sales_[*seq];
    } else {
      for (const auto& [s, ev] : sales_) {
        if (!seq && integer(ev.payload, "receipt_no") == receipt) sale = ev;
      }
      if (!sale) {
        auto held = held_(seq, *receipt);
        if (!held) return held.status();
        sale = std::move(*held);
      }
    }
    if (!sale || sale->type != "sale" || integer(sale->payload, "receipt_no") != receipt) return ++skipped_, Status::ok();
    return sold(*sale, -1, sale->business_day, std::max(0, hour_of(sale->ts)), e.seq);
  }
  if (e.type == "return") {
    const json* lines = array(e.payload, "lines");
    auto refund = integer(e.payload, "refund");
    if (!lines || !refund) return ++skipped_, Status::ok();
    for (const json& l : *lines) {
      auto sku = text(l, "sku");
      auto q = integer(l, "quantity");
      if (!sku || !q) continue;
      if (Status s = stock(*sku, *q, e.seq); !s) return s;
      const SalesKey k{e.business_day, hour, *sku};
      if (Status s = figure(k, &SalesFigure::returned, *q); !s) return s;
      if (Status s = figure(k, &SalesFigure::refunded, integer(l, "refund").value_or(0)); !s) return s;
    }
    return figure({e.business_day, hour, ""}, &SalesFigure::refunded, *refund);
  }
  if (e.type == "stock_movement") {
    auto sku = text(e.payload, "sku");
    auto on_hand = integer(e.payload, "on_hand");
    if (!sku || !on_hand) return ++skipped_, Status::ok();
    StockFigure& f = delta_.stock[*sku];
    f.set = *on_hand;  // the figure after the movement, as the store had it
    f.delta = 0;
    f.seq = e.seq;
    return Status::ok();
  }
  if (e.type == "hq_applied" || e.type == "hq_quarantined") return applied(e);
  return Status::ok();
}

}  // namespace posd::hq
