#include "checkout/pricing.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace posd {

namespace {

using money::Minor;

// Pricing works on each line's units as one run: every unit of a line costs
// the same, so a promotion takes a count of them, and a line of 9,999 pens
// costs no more to price than a line of one. A weighed line is one unit for
// its whole weight.
struct Run {
  Minor price;     // of one unit
  bool each;
  int64_t left;    // units no item promotion has taken yet
};

struct Offer {
  Minor total = 0;
  std::vector<std::pair<size_t, Minor>> discounts;  // line → discount it gives there
  std::vector<std::pair<size_t, int64_t>> taken;    // line → units it takes, discounted or not
};

std::vector<size_t> eligible(const std::vector<Run>& runs, const std::vector<LineInput>& lines,
                             const Promotion& p, bool each_only) {
  std::vector<size_t> out;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].left == 0 || (each_only && !runs[i].each)) continue;
    if (p.covers(lines[i].sku)) out.push_back(i);
  }
  // Dearest first, so groups pair dear with dear and the cheapest go free.
  std::stable_sort(out.begin(), out.end(), [&](size_t a, size_t b) { return runs[a].price > runs[b].price; });
  return out;
}

// Groups of n units in the eligible order, as the units would fall one by one:
// the groups that lie inside one line are counted at once, the few that span
// two lines are built unit by unit.
void group_offer(const Promotion& p, const std::vector<Run>& runs, const std::vector<size_t>& idx, Offer& o) {
  const int64_t n = p.type == PromoType::multibuy ? p.buy : p.qty;
  // What one group of these unit prices (dearest first) takes off, or nullopt
  // when the promotion gives nothing from here on (later groups are cheaper still).
  auto group_discount = [&](const std::vector<Minor>& prices) -> std::optional<Minor> {
    Minor d = 0;
    if (p.type == PromoType::multibuy) {
      for (size_t k = static_cast<size_t>(p.pay); k < prices.size(); ++k) d += prices[k];
      return d;
    }
    Minor full = 0;
    for (Minor x : prices) full += x;
    if (full <= p.price) return std::nullopt;
    return full - p.price;
  };
  int64_t remaining = 0;
  for (size_t i : idx) remaining += runs[i].left;
  size_t k = 0;
  int64_t used = 0;  // units of runs[idx[k]] already grouped
  while (remaining >= n) {
    const size_t line = idx[k];
    const int64_t whole = (runs[line].left - used) / n;
    if (whole > 0) {
      auto d = group_discount(std::vector<Minor>(static_cast<size_t>(n), runs[line].price));
      if (!d) return;
      if (*d > 0) o.discounts.emplace_back(line, *d * whole);
      o.total += *d * whole;
      o.taken.emplace_back(line, whole * n);
      used += whole * n;
      remaining -= whole * n;
    }
    if (used == runs[line].left) {
      ++k, used = 0;
      continue;
    }
    if (remaining < n) return;
    // One group across lines, unit by unit. Spread over its units by price,
    // so that a return refunds each unit at what it really cost.
    std::vector<Minor> prices;
    std::vector<size_t> owner;
    while (static_cast<int64_t>(prices.size()) < n) {
      if (used == runs[idx[k]].left) ++k, used = 0;
      prices.push_back(runs[idx[k]].price);
      owner.push_back(idx[k]);
      ++used;
    }
    auto d = group_discount(prices);
    if (!d) return;
    auto parts = money::allocate(*d, prices);
    for (size_t u = 0; u < parts.size(); ++u) {
      if (parts[u] > 0) o.discounts.emplace_back(owner[u], parts[u]);
      o.total += parts[u];
      o.taken.emplace_back(owner[u], 1);
    }
    remaining -= n;
  }
}

// What `p` would give on the units not yet taken.
Offer evaluate(const Promotion& p, const std::vector<Run>& runs, const std::vector<LineInput>& lines) {
  Offer o;
  switch (p.type) {
    case PromoType::multibuy:
    case PromoType::multibuy_price:
      group_offer(p, runs, eligible(runs, lines, p, /*each_only=*/true), o);
      break;
    case PromoType::percent_off:
      // Rounded per line, not per unit: 3 × 0.99 at 10 % is 0.30 off, not 0.30 = 3 × 0.10.
      // Spread evenly over the line's units, the units left with nothing stay free to take.
      for (size_t line : eligible(runs, lines, p, false)) {
        const Run& r = runs[line];
        const Minor d = money::mul_div_round(r.price * r.left, p.percent_bp, 10000);
        if (d <= 0) continue;
        o.discounts.emplace_back(line, d);
        o.taken.emplace_back(line, std::min<int64_t>(d, r.left));
        o.total += d;
      }
      break;
    case PromoType::fixed_price:
      for (size_t line : eligible(runs, lines, p, false)) {
        const Run& r = runs[line];
        const Minor at_promo = r.each ? p.price : money::mul_div_round(p.price, lines[line].weight_g, 1000);
        if (r.price - at_promo <= 0) continue;
        o.discounts.emplace_back(line, (r.price - at_promo) * r.left);
        o.taken.emplace_back(line, r.left);
        o.total += (r.price - at_promo) * r.left;
      }
      break;
    case PromoType::basket_threshold:
      break;
  }
  return o;
}

std::string over_limit(const std::string& what) {
  return what + " is above the limit of " + std::to_string(money::kMaxAmount) + " minor units";
}

// Item promotions, best first: each unit gets at most one.
void apply_item_promotions(const std::vector<LineInput>& lines, const std::vector<Promotion>& promotions,
                           std::vector<Run>& runs, PricedBasket& out) {
  std::vector<const Promotion*> open;
  for (const Promotion& p : promotions) {
    if (p.type != PromoType::basket_threshold) open.push_back(&p);
  }
  for (;;) {
    size_t best = open.size();
    Offer best_offer;
    for (size_t k = 0; k < open.size(); ++k) {
      Offer o = evaluate(*open[k], runs, lines);
      if (o.total > best_offer.total) {
        best = k;
        best_offer = std::move(o);
      }
    }
    if (best == open.size()) break;
    for (const auto& [line, n] : best_offer.taken) runs[line].left -= n;
    for (const auto& [line, d] : best_offer.discounts) {
      out.lines[line].discount += d;
      auto& promos = out.lines[line].promotions;
      if (std::find(promos.begin(), promos.end(), open[best]->id) == promos.end()) promos.push_back(open[best]->id);
    }
    open.erase(open.begin() + static_cast<long>(best));
  }
}

// The basket discount: the largest threshold reached, spread over lines by net amount.
void apply_basket_discount(const std::vector<Promotion>& promotions, PricedBasket& out) {
  Minor net = 0;
  for (const auto& l : out.lines) net += l.net();
  const Promotion* threshold = nullptr;
  for (const Promotion& p : promotions) {
    if (p.type == PromoType::basket_threshold && net >= p.min_total &&
        (!threshold || p.discount > threshold->discount)) {
      threshold = &p;
    }
  }
  if (!threshold) return;
  std::vector<Minor> weights;
  for (const auto& l : out.lines) weights.push_back(l.net());
  auto parts = money::allocate(std::min(threshold->discount, net), weights);
  for (size_t i = 0; i < out.lines.size(); ++i) {
    if (parts[i] == 0) continue;
    out.lines[i].discount += parts[i];
    out.lines[i].promotions.push_back(threshold->id);
  }
}

// Each line's manual discount, on what the promotions left.
void apply_line_manual(const std::vector<LineInput>& lines, PricedBasket& out) {
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].manual.given()) continue;
    PricedLine& l = out.lines[i];
    l.manual_base = l.net();
    l.manual = manual_amount(lines[i].manual, l.manual_base);
    l.discount += l.manual;
  }
}

// The basket's manual discount, spread over the lines by net amount.
void apply_basket_manual(const ManualDiscount& d, PricedBasket& out) {
  if (!d.given()) return;
  std::vector<Minor> weights;
  Minor net = 0;
  for (const auto& l : out.lines) {
    weights.push_back(l.net());
    net += l.net();
  }
  out.basket_manual_base = net;
  out.basket_manual = manual_amount(d, net);
  auto parts = money::allocate(out.basket_manual, weights);
  for (size_t i = 0; i < out.lines.size(); ++i) {
    out.lines[i].basket_manual = parts[i];
    out.lines[i].discount += parts[i];
  }
}

// Tax per rate over the basket, then the totals (each within the limit).
void add_tax_and_totals(const std::vector<LineInput>& lines, bool prices_include_tax, PricedBasket& out) {
  std::map<std::string, size_t> tax_index;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto [it, fresh] = tax_index.emplace(lines[i].tax_class, out.tax.size());
    if (fresh) out.tax.push_back({lines[i].tax_class, lines[i].rate_bp, 0, 0});
    out.tax[it->second].base += out.lines[i].net();
  }
  for (TaxLine& t : out.tax) {
    t.amount = tax_of(t.base, t.rate_bp, prices_include_tax);
    out.tax_total += t.amount;
  }
  // Each line is within the limit and a basket holds at most a few thousand,
  // so these sums cannot wrap; they are checked all the same, and the total
  // has its own limit.
  std::optional<Minor> subtotal = 0, discount = 0;
  for (const auto& l : out.lines) {
    if (subtotal) subtotal = money::add(*subtotal, l.amount);
    if (discount) discount = money::add(*discount, l.discount);
  }
  if (!subtotal || !discount || *subtotal > money::kMaxAmount) {
    out.limit_error = over_limit("the basket's total");
    return;
  }
  out.subtotal = *subtotal;
  out.discount = *discount;
  for (const auto& l : out.lines) out.manual += l.manual + l.basket_manual;
  out.total = out.subtotal - out.discount + (prices_include_tax ? 0 : out.tax_total);
  if (out.total > money::kMaxAmount) out.limit_error = over_limit("the basket's total");
}

}  // namespace

PricedBasket price_basket(const std::vector<LineInput>& lines, const std::vector<Promotion>& promotions,
                          bool prices_include_tax, const ManualDiscount& basket_manual) {
  PricedBasket out;
  out.lines.resize(lines.size());
  std::vector<Run> runs;
  runs.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    const LineInput& l = lines[i];
    std::optional<Minor> amount = l.unit == Unit::kg ? money::mul_div_round(l.unit_price, l.weight_g, 1000)
                                                     : money::mul(l.unit_price, l.qty);
    if (!amount || *amount > money::kMaxAmount || l.unit_price > money::kMaxAmount || l.weight_g < 0 || l.qty < 0) {
      out.limit_error = over_limit("line " + std::to_string(i + 1) + "'s amount");
      return out;
    }
    out.lines[i].amount = *amount;
    runs.push_back(l.unit == Unit::kg ? Run{*amount, false, 1} : Run{l.unit_price, true, l.qty});
  }
  apply_item_promotions(lines, promotions, runs, out);
  apply_line_manual(lines, out);
  apply_basket_discount(promotions, out);
  apply_basket_manual(basket_manual, out);
  add_tax_and_totals(lines, prices_include_tax, out);
  return out;
}

Minor manual_amount(const ManualDiscount& d, Minor base) {
  if (base <= 0) return 0;
  const Minor off = d.percent_bp > 0 ? money::mul_div_round(base, std::min<int64_t>(d.percent_bp, 10000), 10000) : d.amount;
  return std::clamp<Minor>(off, 0, base);
}

Minor tax_of(Minor amount, int64_t rate_bp, bool inclusive) {
  return money::mul_div_round(amount, rate_bp, inclusive ? 10000 + rate_bp : 10000);
}

}  // namespace posd
