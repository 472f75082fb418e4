#include "checkout/basket_state.h"

#include "base/canonical_json.h"
#include "base/json_fields.h"
#include "base/json_writer.h"
#include "checkout/money.h"

namespace posd {

using json = nlohmann::json;

namespace {

void write_kept_discount(JsonWriter& w, const GivenDiscount& d) {
  w.open_object().field("amount", d.value.amount).field("approved_by", d.approved_by).field("limit_bp", d.limit_bp);
  w.field("percent_bp", d.value.percent_bp).field("reason", d.reason).close_object();
}

GivenDiscount discount_from_state(Fields& parent, const std::string& key) {
  GivenDiscount d;
  const json* j = parent.find(key, false);
  if (!j) return d;
  Fields f(*j, parent.child(key));
  d.value.percent_bp = f.integer("percent_bp", 0, 10000);
  d.value.amount = f.integer("amount", 0, money::kMaxAmount);
  d.reason = f.find("reason", true)->get<std::string>();
  d.approved_by = f.find("approved_by", true)->get<std::string>();
  d.limit_bp = f.integer("limit_bp", 0, 10000);
  f.no_unknown_keys();
  return d;
}

}  // namespace

std::string basket_state_text(const Basket& b) {
  // Keys in ascending bytewise order, object by object (base/json_writer.h).
  JsonWriter w;
  w.open_object();
  if (b.discount.given()) write_kept_discount(w.key("discount"), b.discount);
  if (b.exchange) {
    json asked = json::array(), back = json::array();
    for (const ReturnAsked& a : b.exchange->asked) {
      json j = {{"line", a.line}};
      if (a.qty) j["qty"] = *a.qty;
      if (a.weight_g) j["weight_g"] = *a.weight_g;
      asked.push_back(std::move(j));
    }
    for (const ReturnLine& l : b.exchange->lines) back.push_back(to_json(l));
    w.field("exchange", json{{"receipt_no", b.exchange->receipt_no}, {"asked", asked}, {"lines", back}, {"reason", b.exchange->reason}});
  }
  w.field("id", b.id);
  w.key("lines").open_array();
  for (const BasketLine& l : b.lines) {
    w.open_object().field("age_restricted", l.age_restricted);
    if (!l.approved_by.empty()) w.field("approved_by", l.approved_by);
    if (l.catalog_price) w.field("catalog_price", *l.catalog_price);
    if (l.discount.given()) write_kept_discount(w.key("discount"), l.discount);
    w.field("name", l.name).field("qty", l.input.qty).field("rate_bp", l.input.rate_bp);
    if (!l.reason.empty()) w.field("reason", l.reason);
    w.field("sku", l.input.sku).field("tax_class", l.input.tax_class).field("unit", to_string(l.input.unit));
    w.field("unit_price", l.input.unit_price).field("weight_g", l.input.weight_g).close_object();
  }
  w.close_array();
  w.key("removed").open_array();
  for (const json& r : b.removed) w.value(r);
  w.close_array();
  w.field("rounding", b.rounding).field("state", b.state == Basket::State::suspended ? "suspended" : "open");
  w.key("tenders").open_array();
  for (const Tender& t : b.tenders) {
    w.open_object().field("amount", t.amount).field("applied", t.applied).field("masked_pan", t.masked_pan);
    w.field("reference", t.reference).field("type", rules_of(t.type).name).close_object();
  }
  w.close_array();
  w.field("terminal", b.terminal).field("version", b.version).close_object();
  return w.take();
}

json basket_state(const Basket& b) { return canonical_document(basket_state_text(b)); }

Result<Basket> basket_from_state(const json& j) {
  try {
    Fields f(j, "");
    Basket b;
    b.id = f.string("id");
    b.terminal = f.string("terminal");
    const std::string state = f.string("state");
    if (state != "open" && state != "suspended") throw FieldError{"state", state + " is no kept state"};
    b.state = state == "open" ? Basket::State::open : Basket::State::suspended;
    b.version = static_cast<uint64_t>(f.integer("version", 0, INT64_MAX));
    b.rounding = f.integer("rounding", -money::kMaxAmount, money::kMaxAmount);
    const json& lines = f.array("lines");
    for (size_t i = 0; i < lines.size(); ++i) {
      Fields l(lines[i], "lines[" + std::to_string(i) + "]");
      BasketLine line;
      line.input.sku = l.string("sku");
      const std::string unit = l.string("unit");
      if (unit != "each" && unit != "kg") throw FieldError{l.child("unit"), unit + " is no unit"};
      line.input.unit = unit == "kg" ? Unit::kg : Unit::each;
      line.input.qty = l.integer("qty", 0, 9999);
      line.input.weight_g = l.integer("weight_g", 0, 100000);
      line.input.unit_price = l.integer("unit_price", 0, money::kMaxAmount);
      line.input.tax_class = l.string("tax_class");
      line.input.rate_bp = l.integer("rate_bp", 0, 10000);
      line.name = l.string("name");
      line.age_restricted = l.boolean("age_restricted", false);
      line.catalog_price = l.optional_integer("catalog_price", 0, money::kMaxAmount);
      line.approved_by = l.optional_string("approved_by").value_or("");
      line.reason = l.optional_string("reason").value_or("");
      line.discount = discount_from_state(l, "discount");
      l.no_unknown_keys();
      b.lines.push_back(std::move(line));
    }
    const json& tenders = f.array("tenders");
    for (size_t i = 0; i < tenders.size(); ++i) {
      Fields t(tenders[i], "tenders[" + std::to_string(i) + "]");
      const std::string type = t.string("type");
      const TenderRules* rules = tender_named(type);
      if (!rules) throw FieldError{t.child("type"), type + " is no tender type"};
      Tender tender;
      tender.type = rules->type;
      tender.amount = t.integer("amount", 0, money::kMaxAmount);
      tender.applied = t.integer("applied", 0, money::kMaxAmount);
      // Empty strings are kept as they are: a tender without a reference.
      tender.reference = t.find("reference", true)->get<std::string>();
      tender.masked_pan = t.find("masked_pan", true)->get<std::string>();
      t.no_unknown_keys();
      b.tenders.push_back(std::move(tender));
    }
    const json& removed = f.array("removed");
    b.removed.assign(removed.begin(), removed.end());
    b.discount = discount_from_state(f, "discount");
    if (const json* x = f.find("exchange", false)) {
      Fields e(*x, "exchange");
      Exchange ex;
      ex.receipt_no = e.integer("receipt_no", 1, INT64_MAX);
      for (const json& a : e.array("asked")) {
        Fields one(a, "exchange.asked[]");
        ex.asked.push_back({static_cast<size_t>(one.integer("line", 1, 10000)), one.optional_integer("qty", 1, 1'000'000),
                            one.optional_integer("weight_g", 1, 1'000'000)});
        one.no_unknown_keys();
      }
      for (const json& l : e.array("lines")) ex.lines.push_back(return_line(l));
      ex.reason = e.find("reason", true)->get<std::string>();
      e.no_unknown_keys();
      b.exchange = std::move(ex);
    }
    f.no_unknown_keys();
    return b;
  } catch (const FieldError& e) {
    return Status::invalid_argument("kept basket: " + e.message());
  } catch (const json::exception& e) {
    return Status::invalid_argument(std::string("kept basket: ") + e.what());
  }
}

}  // namespace posd
