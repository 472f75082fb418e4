#include "checkout/records.h"

namespace posd {

using json = nlohmann::json;

namespace {

Result<TenderType> tender_type(const json& t) {
  const TenderRules* r = tender_named(t.at("type").get<std::string>());
  if (!r) return Status::corruption("unknown tender type " + t.at("type").dump());
  return r->type;
}

Result<Sale> sale_of(const json& b) {
  Sale s;
  s.receipt_no = b.at("receipt_no").get<int64_t>();
  s.business_day = b.value("business_day", "");
  s.terminal = b.value("terminal", "");
  s.currency = b.value("currency", "");
  s.prices_include_tax = b.value("prices_include_tax", true);
  s.seq = b.value("seq", uint64_t{0});
  s.voided = b.value("status", "completed") == "voided";
  for (const json& l : b.at("lines")) {
    SaleLine line;
    line.sku = l.value("sku", "");
    line.name = l.value("name", "");
    line.weighed = l.contains("weight_g");
    line.quantity = l.at(line.weighed ? "weight_g" : "qty").get<int64_t>();
    line.unit_price = l.at("unit_price").get<int64_t>();
    line.amount = l.at("amount").get<int64_t>();
    line.discount = l.value("discount", int64_t{0});
    if (const auto m = l.find("manual_discount"); m != l.end()) {
      line.manual = m->at("off").get<int64_t>();
      line.manual_reason = m->value("reason", "");
    }
    line.basket_manual = l.value("basket_manual", int64_t{0});
    line.tax_class = l.value("tax_class", "");
    s.lines.push_back(std::move(line));
  }
  for (const json& t : b.at("tax")) {
    s.tax.push_back({t.at("class").get<std::string>(), t.at("rate_bp").get<int64_t>(), t.value("base", int64_t{0}),
                     t.at("amount").get<int64_t>()});
  }
  for (const json& t : b.at("tenders")) {
    auto type = tender_type(t);
    if (!type) return type.status();
    s.tenders.push_back({*type, t.at("amount").get<int64_t>(), t.value("applied", int64_t{0}), t.value("masked_pan", "")});
  }
  s.discount = b.value("discount", int64_t{0});
  s.manual = b.value("manual_discount_total", int64_t{0});
  if (const auto m = b.find("manual_discount"); m != b.end()) {
    s.basket_manual = m->at("off").get<int64_t>();
    s.basket_manual_reason = m->value("reason", "");
  }
  if (const auto x = b.find("exchange"); x != b.end()) {
    s.exchange_receipt_no = x->at("receipt_no").get<int64_t>();
    s.exchange_credit = x->at("credit").get<int64_t>();
    s.exchange_refund_due = x->value("refund_due", int64_t{0});
  }
  s.total = b.at("total").get<int64_t>();
  s.rounding = b.value("rounding", int64_t{0});
  s.change = b.value("change", int64_t{0});
  return s;
}

}  // namespace

int64_t Sale::rate_of(const std::string& tax_class) const {
  int64_t rate = 0;
  for (const SaleTax& t : tax) {
    if (t.tax_class == tax_class) rate = t.rate_bp;
  }
  return rate;
}

Result<Sale> read_sale(const json& answer) {
  try {
    return sale_of(answer);
  } catch (const json::exception& e) {
    return Status::corruption(std::string("a sale record is damaged: ") + e.what());
  }
}

Result<Sale> read_sale(const sales::SaleRow& row) {
  auto s = read_sale(row.body);
  if (!s) return Status::corruption("sale " + std::to_string(row.receipt_no) + ": " + s.status().message());
  s->seq = row.seq;
  s->business_day = row.business_day;
  s->voided = row.status == "voided";
  return s;
}

ReturnLine return_line(const json& l) {
  ReturnLine line;
  line.line = l.value("line", size_t{0});
  line.sku = l.at("sku").get<std::string>();
  line.weighed = l.contains("weight_g");
  line.quantity = l.at("quantity").get<int64_t>();
  line.refund = l.at("refund").get<int64_t>();
  line.tax = l.at("tax").get<int64_t>();
  line.tax_class = l.at("tax_class").get<std::string>();
  line.rate_bp = l.at("rate_bp").get<int64_t>();
  return line;
}

Result<Return> read_return(const sales::ReturnRow& row) {
  try {
    Return r;
    r.return_no = row.return_no;
    r.receipt_no = row.receipt_no;
    r.refund = row.refund;
    for (const json& l : row.body.at("lines")) r.lines.push_back(return_line(l));
    for (const json& t : row.body.at("tenders")) {
      auto type = tender_type(t);
      if (!type) return type.status();
      r.tenders.push_back({*type, t.at("amount").get<int64_t>()});
    }
    return r;
  } catch (const json::exception& e) {
    return Status::corruption("return " + std::to_string(row.return_no) + " is damaged: " + e.what());
  }
}

json to_json(const ReturnLine& r) {
  json l = {{"sku", r.sku}, {"quantity", r.quantity}, {r.weighed ? "weight_g" : "qty", r.quantity},
            {"refund", r.refund}, {"tax", r.tax}, {"tax_class", r.tax_class}, {"rate_bp", r.rate_bp}};
  if (r.line) l["line"] = r.line;
  return l;
}

json to_json(const std::vector<RefundTender>& tenders) {
  json out = json::array();
  for (const RefundTender& t : tenders) out.push_back({{"type", rules_of(t.type).name}, {"amount", t.amount}});
  return out;
}

}  // namespace posd
