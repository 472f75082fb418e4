#include "daemon/checkout/pricing.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace posd {

namespace {

using money::Minor;

// One sellable unit of the basket (a weighed line is one unit for its whole weight).
struct Unit1 {
  size_t line;
  Minor price;
  bool each;
  bool taken = false;  // already discounted by an item promotion
  Minor discount = 0;
};

struct Offer {
  Minor total = 0;
  std::vector<std::pair<size_t, Minor>> unit_discounts;  // unit index → discount
  std::vector<size_t> consumed;  // units the promotion takes, discounted or not
};

std::vector<size_t> eligible(const std::vector<Unit1>& units, const std::vector<LineInput>& lines,
                             const Promotion& p, bool each_only) {
  std::vector<size_t> out;
  for (size_t i = 0; i < units.size(); ++i) {
    if (units[i].taken || (each_only && !units[i].each)) continue;
    if (p.covers(lines[units[i].line].sku)) out.push_back(i);
  }
  // Dearest first, so groups pair dear with dear and the cheapest go free.
  std::stable_sort(out.begin(), out.end(), [&](size_t a, size_t b) { return units[a].price > units[b].price; });
  return out;
}

// What `p` would give on the units not yet taken.
Offer evaluate(const Promotion& p, const std::vector<Unit1>& units, const std::vector<LineInput>& lines) {
  Offer o;
  auto add = [&](size_t u, Minor d) {
    if (d <= 0) return;
    o.unit_discounts.emplace_back(u, d);
    o.consumed.push_back(u);
    o.total += d;
  };
  switch (p.type) {
    case PromoType::multibuy:
    case PromoType::multibuy_price: {
      const auto idx = eligible(units, lines, p, /*each_only=*/true);
      const size_t n = static_cast<size_t>(p.type == PromoType::multibuy ? p.buy : p.qty);
      for (size_t g = 0; g + n <= idx.size(); g += n) {
        std::vector<Minor> prices;
        for (size_t k = g; k < g + n; ++k) prices.push_back(units[idx[k]].price);
        const Minor full = std::accumulate(prices.begin(), prices.end(), Minor{0});
        // Buy N pay M: the cheapest N − M units are free. N for a price: the
        // group costs that price, when that is cheaper.
        Minor group_discount = 0;
        if (p.type == PromoType::multibuy) {
          for (size_t k = static_cast<size_t>(p.pay); k < n; ++k) group_discount += prices[k];
        } else {
          if (full <= p.price) break;  // later groups are cheaper still
          group_discount = full - p.price;
        }
        // Spread over the group's units by price, so that a return refunds
        // each unit at what it really cost.
        auto parts = money::allocate(group_discount, prices);
        for (size_t k = 0; k < n; ++k) {
          if (parts[k] == 0) o.consumed.push_back(idx[g + k]);
          add(idx[g + k], parts[k]);
        }
      }
      break;
    }
    case PromoType::percent_off: {
      // Rounded per line, not per unit: 3 × 0.99 at 10 % is 0.30 off, not 0.30 = 3 × 0.10.
      std::map<size_t, std::vector<size_t>> by_line;
      for (size_t u : eligible(units, lines, p, false)) by_line[units[u].line].push_back(u);
      for (const auto& [line, us] : by_line) {
        std::vector<Minor> prices;
        for (size_t u : us) prices.push_back(units[u].price);
        const Minor sum = std::accumulate(prices.begin(), prices.end(), Minor{0});
        auto parts = money::allocate(money::mul_div_round(sum, p.percent_bp, 10000), prices);
        for (size_t k = 0; k < us.size(); ++k) add(us[k], parts[k]);
      }
      break;
    }
    case PromoType::fixed_price:
      for (size_t u : eligible(units, lines, p, false)) {
        const LineInput& l = lines[units[u].line];
        const Minor at_promo = units[u].each ? p.price : money::mul_div_round(p.price, l.weight_g, 1000);
        add(u, units[u].price - at_promo);
      }
      break;
    case PromoType::basket_threshold:
      break;
  }
  return o;
}

}  // namespace

PricedBasket price_basket(const std::vector<LineInput>& lines, const std::vector<Promotion>& promotions,
                          bool prices_include_tax) {
  PricedBasket out;
  out.lines.resize(lines.size());
  std::vector<Unit1> units;
  for (size_t i = 0; i < lines.size(); ++i) {
    const LineInput& l = lines[i];
    if (l.unit == Unit::kg) {
      out.lines[i].amount = money::mul_div_round(l.unit_price, l.weight_g, 1000);
      units.push_back({i, out.lines[i].amount, false});
    } else {
      out.lines[i].amount = l.unit_price * l.qty;
      for (int64_t k = 0; k < l.qty; ++k) units.push_back({i, l.unit_price, true});
    }
  }

  // Item promotions, best first: each unit gets at most one.
  std::vector<const Promotion*> open;
  for (const Promotion& p : promotions) {
    if (p.type != PromoType::basket_threshold) open.push_back(&p);
  }
  for (;;) {
    size_t best = open.size();
    Offer best_offer;
    for (size_t k = 0; k < open.size(); ++k) {
      Offer o = evaluate(*open[k], units, lines);
      if (o.total > best_offer.total) {
        best = k;
        best_offer = std::move(o);
      }
    }
    if (best == open.size()) break;
    for (size_t u : best_offer.consumed) units[u].taken = true;
    for (const auto& [u, d] : best_offer.unit_discounts) {
      units[u].discount = d;
      auto& promos = out.lines[units[u].line].promotions;
      if (std::find(promos.begin(), promos.end(), open[best]->id) == promos.end()) promos.push_back(open[best]->id);
    }
    open.erase(open.begin() + static_cast<long>(best));
  }
  for (const Unit1& u : units) out.lines[u.line].discount += u.discount;

  // The basket discount: the largest threshold reached, spread over lines by net amount.
  Minor net = 0;
  for (const auto& l : out.lines) net += l.net();
  const Promotion* threshold = nullptr;
  for (const Promotion& p : promotions) {
    if (p.type == PromoType::basket_threshold && net >= p.min_total &&
        (!threshold || p.discount > threshold->discount)) {
      threshold = &p;
    }
  }
  if (threshold) {
    std::vector<Minor> weights;
    for (const auto& l : out.lines) weights.push_back(l.net());
    auto parts = money::allocate(std::min(threshold->discount, net), weights);
    for (size_t i = 0; i < out.lines.size(); ++i) {
      if (parts[i] == 0) continue;
      out.lines[i].discount += parts[i];
      out.lines[i].promotions.push_back(threshold->id);
    }
  }

  // Tax per rate over the basket.
  std::map<std::string, size_t> tax_index;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto [it, fresh] = tax_index.emplace(lines[i].tax_class, out.tax.size());
    if (fresh) out.tax.push_back({lines[i].tax_class, lines[i].rate_bp, 0, 0});
    out.tax[it->second].base += out.lines[i].net();
  }
  for (TaxLine& t : out.tax) {
    t.amount = prices_include_tax ? money::mul_div_round(t.base, t.rate_bp, 10000 + t.rate_bp)
                                  : money::mul_div_round(t.base, t.rate_bp, 10000);
    out.tax_total += t.amount;
  }
  for (const auto& l : out.lines) {
    out.subtotal += l.amount;
    out.discount += l.discount;
  }
  out.total = out.subtotal - out.discount + (prices_include_tax ? 0 : out.tax_total);
  return out;
}

}  // namespace posd
