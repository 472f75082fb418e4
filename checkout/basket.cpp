#include "checkout/basket.h"

#include <algorithm>
#include <cctype>

#include "base/canonical_json.h"
#include "base/json_fields.h"
#include "base/json_writer.h"

namespace posd {

using json = nlohmann::json;

const char* to_string(Basket::State s) {
  switch (s) {
    case Basket::State::open: return "open";
    case Basket::State::suspended: return "suspended";
    case Basket::State::completing: return "completing";
  }
  return "unknown";
}

Outcome amount_fits(const Basket& b, const PricedBasket& priced, size_t which) {
  const bool line = which < b.lines.size() && which < priced.lines.size();
  const int64_t asked = line ? b.lines[which].discount.value.amount : b.discount.value.amount;
  const int64_t base = line ? priced.lines[which].manual_base : priced.basket_manual_base;
  if (asked <= base) return Outcome::success(json::object());
  return Outcome::error(Why::refused, "discount_too_large",
                        "discount.amount: " + std::to_string(asked) + " is more than the " + std::to_string(base) + " " +
                            (line ? "line " + std::to_string(which + 1) + " costs" : "the basket costs") + " after promotions");
}

const char* to_string(Role r) {
  switch (r) {
    case Role::cashier: return "cashier";
    case Role::supervisor: return "supervisor";
    case Role::manager: return "manager";
  }
  return "cashier";
}

std::optional<Role> role_named(std::string_view name) {
  for (Role r : {Role::cashier, Role::supervisor, Role::manager}) {
    if (name == to_string(r)) return r;
  }
  return std::nullopt;
}

Outcome not_open(const Basket& b) {
  return Outcome::error(Why::conflict, "basket_not_open", "the basket is " + std::string(to_string(b.state)));
}

PricedBasket Basket::price(const std::vector<Promotion>& promotions, const StoreRules& rules) const {
  std::vector<LineInput> in;
  in.reserve(lines.size());
  for (const BasketLine& l : lines) {
    in.push_back(l.input);
    in.back().manual = l.discount.value;
  }
  // An overridden price is the supervisor's word: no promotion on top.
  std::vector<Promotion> promos = promotions;
  for (Promotion& p : promos) {
    std::erase_if(p.skus, [&](const std::string& sku) {
      for (const BasketLine& l : lines) {
        if (l.input.sku == sku && l.catalog_price) return true;
      }
      return false;
    });
  }
  return price_basket(in, promos, rules.prices_include_tax, discount.value);
}

namespace {

// As the basket's answer shows a manual discount: what was asked, what it
// took off, why and who approved it (keys in canonical order).
void write_discount(JsonWriter& w, const GivenDiscount& d, int64_t off) {
  w.open_object();
  if (d.value.percent_bp <= 0) w.field("amount", d.value.amount);
  if (!d.approved_by.empty()) w.field("approved_by", d.approved_by);
  w.field("off", off);
  if (d.value.percent_bp > 0) w.field("percent_bp", d.value.percent_bp);
  if (!d.reason.empty()) w.field("reason", d.reason);
  w.close_object();
}

// 1000 → "10 %", 1250 → "12.5 %", 1234 → "12.34 %".
std::string percent_text(int64_t bp) {
  std::string s = std::to_string(bp / 100);
  if (const int64_t frac = bp % 100; frac != 0) {
    std::string f = (frac < 10 ? "0" : "") + std::to_string(frac);
    if (f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return s + " %";
}

// A percentage above the limit, or an amount whose share of `base` is
// (off / base > limit_bp / 10000, without division). A percentage is judged
// as given, not as rounded: 10 % of 1.99 takes 0.20 and is still 10 %.
bool above(const GivenDiscount& d, int64_t off, int64_t base) {
  if (d.value.percent_bp > 0) return d.value.percent_bp > d.limit_bp;
  return static_cast<__int128>(off) * 10000 > static_cast<__int128>(base) * d.limit_bp;
}

}  // namespace

Outcome check_discount_limits(const Basket& b, const PricedBasket& priced) {
  auto refuse = [](const std::string& what, int64_t limit_bp) {
    return Outcome::error(Why::permission_denied, "discount_over_limit",
                          what + " is above the limit of " + percent_text(limit_bp) + " it was given under: a supervisor's approval is needed");
  };
  for (size_t i = 0; i < b.lines.size() && i < priced.lines.size(); ++i) {
    const GivenDiscount& d = b.lines[i].discount;
    if (d.given() && above(d, priced.lines[i].manual, priced.lines[i].manual_base)) {
      return refuse("line " + std::to_string(i + 1) + "'s manual discount", d.limit_bp);
    }
  }
  if (b.discount.given() && above(b.discount, priced.basket_manual, priced.basket_manual_base)) {
    return refuse("the basket's manual discount", b.discount.limit_bp);
  }
  // A line with its own manual discount and a share of the basket's: the two
  // together, from the line's price before any manual discount, within the
  // larger limit they were given under (10 % and 10 % are not 19 %).
  if (b.discount.given()) {
    for (size_t i = 0; i < b.lines.size() && i < priced.lines.size(); ++i) {
      const GivenDiscount& d = b.lines[i].discount;
      const PricedLine& p = priced.lines[i];
      if (!d.given() || p.basket_manual == 0) continue;
      const int64_t base = p.amount - (p.discount - p.manual - p.basket_manual);
      const int64_t limit = std::max(d.limit_bp, b.discount.limit_bp);
      if (static_cast<__int128>(p.manual + p.basket_manual) * 10000 > static_cast<__int128>(base) * limit) {
        return refuse("line " + std::to_string(i + 1) + "'s manual discounts together", limit);
      }
    }
  }
  return Outcome::success(json::object());
}

int64_t Basket::paid() const {
  int64_t p = 0;
  for (const Tender& t : tenders) p += t.applied;
  return p;
}

int64_t Basket::change() const {
  int64_t c = 0;
  for (const Tender& t : tenders) c += t.amount - t.applied;
  return c;
}

int64_t Exchange::credit() const {
  int64_t c = 0;
  for (const ReturnLine& l : lines) c += l.refund;  // each ≤ a sale line's net: no overflow
  return c;
}

int64_t Basket::due(const PricedBasket& priced) const {
  return std::max<int64_t>(0, priced.total + rounding - credit_applied(priced) - paid());
}

std::string Basket::answer_text(const PricedBasket& priced, const StoreRules& rules) const {
  JsonWriter w;
  write_answer(w, priced, rules, nullptr);
  return w.take();
}

std::string Basket::tender_record_text(const PricedBasket& priced, const StoreRules& rules, std::string_view kept) const {
  JsonWriter w;
  write_answer(w, priced, rules, &kept);
  return w.take();
}

void Basket::write_answer(JsonWriter& w, const PricedBasket& priced, const StoreRules& rules, const std::string_view* kept) const {
  // Keys in ascending bytewise order, object by object (base/json_writer.h).
  w.open_object();
  w.field("change", change()).field("currency", rules.currency).field("discount", priced.discount).field("due", due(priced));
  w.field("id", id);
  w.key("lines").open_array();
  for (size_t i = 0; i < lines.size(); ++i) {
    const BasketLine& l = lines[i];
    const PricedLine& p = priced.lines[i];
    w.open_object();
    if (l.age_restricted) w.field("age_restricted", true);
    w.field("amount", p.amount);
    if (p.basket_manual > 0) w.field("basket_manual", p.basket_manual);
    w.field("discount", p.discount).field("line", uint64_t{i + 1});
    if (l.discount.given()) write_discount(w.key("manual_discount"), l.discount, p.manual);
    w.field("name", l.name);
    if (l.catalog_price) {
      w.key("price_override").open_object().field("approved_by", l.approved_by).field("catalog_price", *l.catalog_price);
      if (!l.reason.empty()) w.field("reason", l.reason);
      w.close_object();
    }
    w.key("promotions").open_array();
    for (const std::string& promotion : p.promotions) w.value(promotion);
    w.close_array();
    if (l.input.unit != Unit::kg) w.field("qty", l.input.qty);
    w.field("sku", l.input.sku).field("tax_class", l.input.tax_class).field("unit", posd::to_string(l.input.unit));
    w.field("unit_price", l.input.unit_price);
    if (l.input.unit == Unit::kg) w.field("weight_g", l.input.weight_g);
    w.close_object();
  }
  w.close_array();
  if (discount.given()) write_discount(w.key("manual_discount"), discount, priced.basket_manual);
  if (priced.manual > 0) w.field("manual_discount_total", priced.manual);
  w.field("paid", paid()).field("prices_include_tax", rules.prices_include_tax);
  if (exchange) w.field("refund_due", exchange->credit() - credit_applied(priced));
  if (!removed.empty()) {
    w.key("removed_lines").open_array();
    for (const json& r : removed) w.value(r);
    w.close_array();
  }
  if (exchange) {
    json back = json::array();
    for (const ReturnLine& l : exchange->lines) back.push_back(posd::to_json(l));
    json returned = {{"receipt_no", exchange->receipt_no}, {"lines", std::move(back)}, {"credit", exchange->credit()}};
    if (!exchange->reason.empty()) returned["reason"] = exchange->reason;
    w.field("returned", returned);
  }
  w.field("rounding", rounding);
  if (kept) w.key("state").text(*kept);
  else w.field("state", posd::to_string(state));
  w.field("subtotal", priced.subtotal);
  w.key("tax").open_array();
  for (const TaxLine& t : priced.tax) {
    w.open_object().field("amount", t.amount).field("base", t.base).field("class", t.tax_class).field("rate_bp", t.rate_bp);
    w.close_object();
  }
  w.close_array();
  // Each tender names its reference by its own rules: a small document each.
  w.key("tenders").open_array();
  for (const Tender& t : tenders) {
    const TenderRules& kind = rules_of(t.type);
    json j = {{"type", kind.name}, {"amount", t.amount}, {"applied", t.applied}};
    if (!t.reference.empty()) j[std::string(kind.reference)] = t.reference;
    if (!t.masked_pan.empty()) j["masked_pan"] = t.masked_pan;
    w.value(j);
  }
  w.close_array();
  if (kept) w.field("terminal", terminal);
  w.field("total", priced.total).field("version", version);
  w.close_object();
}

json Basket::to_json(const PricedBasket& priced, const StoreRules& rules) const {
  return canonical_document(answer_text(priced, rules));
}

bool looks_like_card_number(std::string_view text) {
  std::string digits;
  auto check = [&] {
    if (digits.size() < 13) return false;
    // Any 13–19 digit window of the run that passes Luhn.
    for (size_t len = 13; len <= 19 && len <= digits.size(); ++len) {
      for (size_t start = 0; start + len <= digits.size(); ++start) {
        int sum = 0;
        for (size_t k = 0; k < len; ++k) {
          int d = digits[start + len - 1 - k] - '0';
          if (k % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
          sum += d;
        }
        if (sum % 10 == 0) return true;
      }
    }
    return false;
  };
  // Digits joined across any separators (".", "/", " ", a no-break space, …):
  // only an ASCII letter ends a run. Digits of other scripts (full-width,
  // Arabic-Indic, Devanagari) count as the digits they are.
  for (size_t i = 0; i < text.size();) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u < 0x80) {
      if (std::isdigit(u)) {
        digits.push_back(text[i]);
      } else if (std::isalpha(u)) {
        if (check()) return true;
        digits.clear();
      }
      ++i;
      continue;
    }
    // One UTF-8 sequence (a stray byte is taken alone): its code point.
    const size_t len = u >= 0xF0 ? 4 : u >= 0xE0 ? 3 : u >= 0xC0 ? 2 : 1;
    uint32_t cp = len == 1 ? 0 : u & (0x7F >> len);
    for (size_t k = 1; k < len && i + k < text.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    for (uint32_t zero : {0xFF10u, 0x0660u, 0x06F0u, 0x0966u}) {
      if (cp >= zero && cp <= zero + 9) digits.push_back(static_cast<char>('0' + (cp - zero)));
    }
    i += len;
  }
  return check();
}

bool carries_card_number(const json& j) {
  if (j.is_string()) return looks_like_card_number(j.get_ref<const std::string&>());
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (looks_like_card_number(k) || carries_card_number(v)) return true;
    }
  }
  if (j.is_array()) {
    for (const auto& v : j) {
      if (carries_card_number(v)) return true;
    }
  }
  return false;
}

bool is_masked_pan(std::string_view s) {
  if (s.size() < 4 || s.size() > 19) return false;
  if (s.size() == 4) return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const auto mask = [](char c) { return c == '*' || c == 'X' || c == 'x'; };
  size_t i = 0;
  while (i < s.size() && digit(s[i])) ++i;
  const size_t first = i;
  while (i < s.size() && mask(s[i])) ++i;
  const size_t masked = i - first;
  size_t last = 0;
  while (i < s.size() && digit(s[i])) ++i, ++last;
  return i == s.size() && first <= 6 && masked > 0 && last <= 4;
}

Outcome add_tender(Basket& b, const json& body, const PricedBasket& priced, const StoreRules& rules) {
  if (b.state != Basket::State::open) return not_open(b);
  if (b.lines.empty()) return Outcome::error(Why::conflict, "empty_basket", "the basket has no lines to pay for");
  const int64_t due = b.due(priced);
  Tender t;
  const TenderRules* kind = nullptr;
  try {
    Fields f(body, "");
    const std::string type = f.string("type");
    t.amount = f.integer("amount", 1, money::kMaxAmount);
    kind = offered_tender(type);
    if (!kind) throw FieldError{"type", "must be one of " + tender_names()};
    t.type = kind->type;
    if (!kind->reference.empty()) t.reference = f.string(std::string(kind->reference));
    if (kind->masked_pan) {
      t.masked_pan = f.string("masked_pan");
      if (!is_masked_pan(t.masked_pan)) {
        return Outcome::error(Why::invalid_argument, "invalid_tender", "masked_pan: must show at most the first 6 and last 4 digits, the rest masked with *");
      }
    }
    f.no_unknown_keys();
  } catch (const FieldError& e) {
    return Outcome::error(Why::invalid_argument, "invalid_tender", e.message());
  }
  if (due == 0) return Outcome::error(Why::conflict, "nothing_due", "the basket is paid in full");

  const int64_t due_here = kind->rounds ? money::round_to_step(due, rules.cash_rounding) : due;
  if (t.amount >= due_here) {
    if (t.amount > due_here && !kind->gives_change) {
      return Outcome::error(Why::refused, "over_tender", "a " + std::string(kind->name) + " tender may not exceed what is due (" + std::to_string(due) + ")");
    }
    t.applied = due_here;
    b.rounding += due_here - due;
  } else {
    t.applied = t.amount;
  }
  b.tenders.push_back(std::move(t));
  return Outcome::success(json::object());
}

}  // namespace posd
