#include "checkout/checkout.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <set>
#include <tuple>

#include <boost/asio/executor_work_guard.hpp>

#include "base/loop_post.h"
#include "base/thread_name.h"
#include "base/json_fields.h"
#include "base/json_text.h"
#include "base/log.h"
#include "barcode/barcode.h"
#include "storage/store_tables.h"
#include "checkout/basket_state.h"
#include "base/gtin.h"
#include "storage/catalog.h"
#include "base/digest.h"
#include "storage/sales.h"
#include "storage/stock.h"

namespace posd {

using json = nlohmann::json;

Result<std::unique_ptr<Checkout>> Checkout::open(boost::asio::io_context& ioc, Journal& journal, StoreRules rules,
                                                 const Clock& clock, IdSource& ids) {
  auto reader = sql::Db::open(journal.db_path(), sql::Db::Mode::read_write);
  if (!reader) return reader.status();
  auto store = BasketStore::open(journal.db_path() + ".baskets");
  if (!store) return store.status();
  return std::unique_ptr<Checkout>(
      new Checkout(ioc, journal, std::move(rules), std::move(*reader), std::move(*store), clock, ids));
}

Checkout::Checkout(boost::asio::io_context& ioc, Journal& journal, StoreRules rules, sql::Db reader,
                   std::unique_ptr<BasketStore> store, const Clock& clock, IdSource& ids)
    : ioc_(ioc), journal_(journal), rules_(std::move(rules)), reader_(std::move(reader)), clock_(clock), ids_(ids),
      store_(std::move(store)) {
  // Named as `top -H` shows them (docs/operations.md).
  boost::asio::post(pins_, [] { name_this_thread("posd-pin"); });
  boost::asio::post(reports_, [] { name_this_thread("posd-report"); });
}

void Checkout::emit(const std::string& terminal, const json& event) {
  if (streaming(terminal)) sink_(terminal, event);
}

void Checkout::notify(const CheckoutEvent& e) {
  for (const CheckoutListener& l : listeners_) l(e);
}

void Checkout::alert_low_stock(const json& alerts) {
  for (const json& a : alerts) {
    emit("", {{"type", "low_stock"}, {"alert", a}});
    notify(LowStock{a["sku"], a["on_hand"], a["low_stock"]});
  }
}

Result<std::vector<Promotion>> Checkout::promotions(const Basket& b) {
  // The version is read before the promotions: a write between the two
  // reads leaves the book marked older than it is, and it is read again.
  auto version = catalog::promotions_version(reader_);
  if (!version) return version.status();
  if (*version != promotion_book_version_) {
    auto all = catalog::promotions(reader_);
    if (!all) return all.status();
    promotion_book_ = PromotionBook(std::move(*all));
    promotion_book_version_ = *version;
  }
  std::vector<std::string_view> skus;
  skus.reserve(b.lines.size());
  for (const BasketLine& l : b.lines) skus.push_back(l.input.sku);
  return promotion_book_.for_skus(skus);
}

// --- items and stock -------------------------------------------------------

namespace {

// What a scanned or typed code names: the item, and what its label adds (an
// embedded price, weight or count).
struct Found {
  std::optional<Item> item;
  std::optional<int64_t> price, weight_g, count;
};

std::optional<barcode::Date> day_of(const std::string& yyyy_mm_dd) {
  if (yyyy_mm_dd.size() != 10) return std::nullopt;
  return barcode::Date{std::stoi(yyyy_mm_dd.substr(0, 4)), std::stoi(yyyy_mm_dd.substr(5, 2)),
                       std::stoi(yyyy_mm_dd.substr(8, 2))};
}

std::string to_text(const barcode::Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

// A line's qty, weight_g and price as a request body gives them, each within
// its bounds (adding a line and changing one take the same).
std::tuple<std::optional<int64_t>, std::optional<int64_t>, std::optional<int64_t>> line_amounts(Fields& f) {
  auto qty = f.optional_integer("qty", 1, 9999);
  auto weight = f.optional_integer("weight_g", 1, 100000);
  auto price = f.optional_integer("price", 0, money::kMaxAmount);
  return {qty, weight, price};
}

// A code that is no barcode of any kind (plain digits or text, not a GTIN,
// GS1 string or Digital Link) and holds what looks like a full card number.
bool card_like(const barcode::Scan& scan, const std::string& code) {
  return !scan.valid && (scan.symbology == "text" || scan.symbology == "digits" || scan.symbology.empty()) &&
         looks_like_card_number(code);
}

// A GTIN (check digit verified; UPC-E expanded), a GS1 element string or
// Digital Link carrying one, a variable-measure label under the store's
// region, or a SKU. A label whose expiry (AI 17) is before `today` is refused.
// `gtins`: whether the item found carries its list of GTINs (only shown, never priced).
Result<Found> lookup(sql::Db& db, const std::string& code, const StoreRules& rules, const std::string& today, Outcome& err,
                     catalog::Gtins gtins) {
  auto now = day_of(today);
  barcode::Scan scan = barcode::read_scan(code, {.region = rules.barcode_region, .minor_digits = 2,
                                                 .this_year = now ? now->year : 2026});
  Found f;
  if (scan.valid) {
    if (scan.expiry && now && *scan.expiry < *now) {
      err = Outcome::error(Why::refused, "expired", code + ": the label's expiry date " + to_text(*scan.expiry) + " has passed");
      return f;
    }
    auto it = catalog::by_gtin(db, scan.lookup, gtins);
    if (!it) return it.status();
    if (*it) {
      f = Found{std::move(**it), scan.price_minor, scan.weight_g, scan.count};
      return f;
    }
  }
  // Not a code the catalog holds as a GTIN: perhaps a SKU (which may look like one).
  auto it = catalog::by_sku(db, code, gtins);
  if (!it) return it.status();
  if (*it) {
    f.item = std::move(**it);
    return f;
  }
  // A card number typed or swiped into the scan field is neither kept, nor
  // logged, nor echoed (a valid GTIN or GS1 code is a barcode, whatever Luhn
  // says; a GTIN-long code with a bad check digit is a misread, not echoed).
  const bool card = card_like(scan, code);
  if (!scan.valid && scan.error == "bad check digit") {
    err = Outcome::error(Why::refused, "bad_check_digit", (card ? std::string("the code") : code) + ": bad check digit");
  } else if (card) {
    err = Outcome::error(Why::refused, "card_number_refused", "the code looks like a full card number: it was not kept");
  } else if (!scan.valid && scan.symbology != "text" && scan.symbology != "digits") {
    err = Outcome::error(Why::refused, "bad_barcode", code + ": " + scan.error);
  } else {
    err = Outcome::error(Why::not_found, "unknown_code", "no item has the code " + code);
  }
  return f;
}

// What the label says together with the request: a weight for a weighed
// item, a count, or a price that is the line's whole amount (then the line is
// one packed item). Sets the line's unit, qty and weight; refused on a clash.
Outcome label_amounts(const Found& found, const std::string& code, bool price_given, Unit& unit,
                      std::optional<int64_t>& qty, std::optional<int64_t>& weight) {
  const Item& item = *found.item;
  if (found.weight_g) {
    if (item.unit != Unit::kg) return Outcome::error(Why::refused, "bad_barcode", code + ": a weight label on " + item.sku + ", which is sold by unit");
    if (weight) return Outcome::error(Why::invalid_argument, "invalid_request", "weight_g: the label already gives the weight");
    weight = found.weight_g;
  }
  if (found.count) {
    if (qty) return Outcome::error(Why::invalid_argument, "invalid_request", "qty: the label already gives the count");
    qty = found.count;
  }
  if (found.price && !price_given) {
    if (qty || weight) return Outcome::error(Why::invalid_argument, "invalid_request", "the label already gives the price");
    unit = Unit::each;  // the label's price is the amount of this one packed item
    qty = 1;
  }
  if (unit == Unit::kg && !weight) return Outcome::error(Why::invalid_argument, "weight_required", item.sku + " is sold by weight: give weight_g");
  if (unit == Unit::kg && qty) return Outcome::error(Why::invalid_argument, "invalid_request", "qty: " + item.sku + " is sold by weight, not by unit");
  if (unit == Unit::each && weight) return Outcome::error(Why::invalid_argument, "invalid_request", "weight_g: " + item.sku + " is sold by unit");
  return Outcome::success(json::object());
}

}  // namespace

bool Checkout::card_number_scan(const std::string& code) const {
  if (!looks_like_card_number(code)) return false;
  auto now = day_of(journal_.business_day());
  return card_like(barcode::read_scan(code, {.region = rules_.barcode_region, .minor_digits = 2, .this_year = now ? now->year : 2026}), code);
}

Outcome Checkout::item(const std::string& code) {
  Outcome err;
  auto found = lookup(reader_, code, rules_, journal_.business_day(), err, catalog::Gtins::read);
  if (!found) return Outcome::from(found.status());
  if (!found->item) return err;
  const Item& i = *found->item;
  auto tax = catalog::tax_class(reader_, i.tax_class);
  auto on_hand = stock::on_hand(reader_, i.sku);
  if (!tax) return Outcome::from(tax.status());
  if (!on_hand) return Outcome::from(on_hand.status());
  json out = {{"sku", i.sku}, {"name", i.name}, {"gtins", i.gtins}, {"unit_price", i.price},
              {"unit", to_string(i.unit)}, {"tax_class", i.tax_class},
              {"rate_bp", *tax ? (*tax)->rate_bp : 0}, {"on_hand", *on_hand},
              {"low_stock", i.low_stock}, {"age_restricted", i.age_restricted}};
  // What the scanned label itself carries, when it carries anything.
  if (found->price) out["label_price"] = *found->price;
  if (found->weight_g) out["label_weight_g"] = *found->weight_g;
  if (found->count) out["label_count"] = *found->count;
  return Outcome::success(std::move(out));
}

Outcome Checkout::stock(const std::string& sku) {
  auto it = catalog::by_sku(reader_, sku, catalog::Gtins::skip);
  if (!it) return Outcome::from(it.status());
  auto on_hand = stock::on_hand(reader_, sku);
  if (!on_hand) return Outcome::from(on_hand.status());
  if (!*it && *on_hand == 0) return Outcome::error(Why::not_found, "unknown_sku", "no item has the SKU " + sku);
  json j = {{"sku", sku}, {"on_hand", *on_hand}};
  if (*it) {
    j["unit"] = to_string((*it)->unit);
    j["low_stock"] = (*it)->low_stock;
    j["below_low_stock"] = (*it)->low_stock > 0 && *on_hand < (*it)->low_stock;
  }
  return Outcome::success(j);
}

// --- baskets ---------------------------------------------------------------

Basket* Checkout::find_basket(const Caller& c, const std::string& id, Outcome& err) {
  auto it = baskets_.find(id);
  if (it == baskets_.end() ||
      (it->second.terminal != c.terminal && it->second.state != Basket::State::suspended)) {
    err = Outcome::error(Why::not_found, "basket_not_found", "no basket " + id + " at this terminal");
    return nullptr;
  }
  it->second.touched = clock_.steady();
  return &it->second;
}

Basket* Checkout::open_basket(const Caller& c, const std::string& id, Outcome& err) {
  Basket* b = find_basket(c, id, err);
  if (b && (b->state != Basket::State::open || b->terminal != c.terminal)) {
    err = not_open(*b);
    return nullptr;
  }
  return b;
}

void Checkout::settle(const std::string& id, bool written) {
  auto it = baskets_.find(id);
  if (it == baskets_.end()) return;
  if (written) {
    baskets_.erase(it);
    drop(id);
  } else {
    it->second.state = Basket::State::open;
  }
}

Status Checkout::keep(const Basket& b) { return keep(b, basket_state_text(b)); }

Status Checkout::keep(const Basket& b, const std::string& state) {
  Status s = store_->put(b.id, b.terminal, state);
  if (!s) log::get("checkout")->error("basket {}: the change could not be kept, so it is refused: {}", b.id, s.message());
  return s;
}

void Checkout::drop(const std::string& id) {
  // One left behind is tried again with the next; until then the journal's
  // mark (basket_ended) keeps it from being taken up again, and no Z forgets
  // the marks.
  undropped_.insert(id);
  for (auto it = undropped_.begin(); it != undropped_.end();) {
    if (Status s = store_->remove(*it); !s) {
      log::get("checkout")->warn("basket {}: ended, but still in the basket store (tried again later): {}", *it, s.message());
      return;
    }
    it = undropped_.erase(it);
  }
}

size_t Checkout::expire(std::chrono::steady_clock::time_point now, std::chrono::seconds max_age) {
  std::vector<std::string> gone;
  for (auto& [id, b] : baskets_) {
    if (b.state == Basket::State::completing || now - b.touched < max_age) continue;
    if (!b.lines.empty() || !b.tenders.empty()) {
      Outcome a = answer(b);
      json record = a.ok() ? a.document() : json{{"id", id}};
      record["terminal"] = b.terminal;
      record["reason"] = "expired";
      write(Caller{}, [record, id = id](WriteContext& ctx, std::vector<Entry>& entries) {
              if (Status s = kept_baskets::end(ctx.db, id, ctx.next_seq); !s) return Outcome::from(s);
              entries.push_back({"basket_abandoned", record});
              return Outcome::success(json::object());
            },
            nullptr, [this, id = id](Outcome o) {
              if (o.ok()) drop(id);
              else log::get("checkout")->error("basket {}: abandoning it was not journaled: {}", id, o.body.dump());
            });
    } else {
      drop(id);
    }
    log::get("checkout")->info("basket {} of {} abandoned after {} s untouched", id, b.terminal, max_age.count());
    gone.push_back(id);
  }
  for (const std::string& id : gone) baskets_.erase(id);
  return gone.size();
}

Result<Checkout::Restored> Checkout::restore() {
  auto rows = store_->all();
  if (!rows) return rows.status();
  auto ended = kept_baskets::ended(reader_);
  if (!ended) return ended.status();
  auto kept = kept_baskets::all(reader_);
  if (!kept) return kept.status();
  const std::set<std::string> gone(ended->begin(), ended->end());
  auto logger = log::get("checkout");
  Restored n;
  // Takes `b` up, in place of an older copy of it if there is one.
  auto take_up = [&](Basket b) -> Basket& {
    const std::string id = b.id;
    b.created = b.touched = clock_.steady();
    auto [at, made] = baskets_.insert_or_assign(id, std::move(b));
    if (made) ++n.baskets;
    return at->second;
  };
  for (const BasketStore::Row& row : *rows) {
    if (gone.count(row.id)) {
      // Its sale, cancel or abandonment reached the journal; its removal from
      // the basket store did not (posd died between the two).
      if (Status s = store_->remove(row.id); !s) return s;
      continue;
    }
    auto state = parse_json(row.body);
    auto b = state ? basket_from_state(*state) : Result<Basket>(state.status());
    if (!b) {
      logger->error("basket {} of {}: the basket store's copy cannot be read, so it is not taken up: {}", row.id,
                    row.terminal, b.status().message());
      continue;
    }
    take_up(std::move(*b));
  }
  // A basket kept with a tender carries its state as of that tender, synced
  // with the journal: newer than the basket store's copy after a power cut
  // that took the basket store's last moments, or the only copy left.
  std::vector<kept_baskets::Row> lost;
  for (const kept_baskets::Row& row : *kept) {
    if (gone.count(row.id)) continue;
    auto record = parse_json(row.record);
    auto state = record && record->is_object() && record->contains("state") ? basket_from_state((*record)["state"])
                                                                             : Result<Basket>(Status::not_found("no state"));
    auto held = baskets_.find(row.id);
    if (state && (held == baskets_.end() || held->second.version < state->version)) {
      if (Status s = keep(take_up(std::move(*state))); !s) return s;
    } else if (held == baskets_.end()) {
      lost.push_back(row);  // kept by an older posd, with no state: its record is all there is
    }
  }
  // Every ended basket is out of the basket store on disk before the marks go.
  if (Status s = store_->flush(); !s) return s;
  auto r = journal_.write([&lost](WriteContext& ctx) -> Result<std::vector<Entry>> {
    std::vector<Entry> entries;
    for (const kept_baskets::Row& row : lost) {
      auto record = parse_json(row.record);
      json body = record && record->is_object() ? *record : json{{"id", row.id}, {"terminal", row.terminal}};
      body.erase("state");
      body["reason"] = "lost";
      if (Status s = kept_baskets::end(ctx.db, row.id, ctx.next_seq + entries.size()); !s) return s;
      entries.push_back({"basket_abandoned", body});
    }
    if (Status s = kept_baskets::forget_ended(ctx.db); !s) return s;
    return entries;
  });
  if (!r) return r.status();
  n.lost = lost.size();
  return n;
}

Result<size_t> Checkout::keep_baskets() {
  if (Status s = store_->flush(); !s) return s;
  return baskets_.size();
}

Outcome Checkout::answer(const Basket& b) {
  auto promos = promotions(b);
  if (!promos) return Outcome::from(promos.status());
  return Outcome::success_text(b.answer_text(b.price(*promos, rules_), rules_));
}

Outcome Checkout::create_basket(const Caller& c) {
  const auto held = std::count_if(baskets_.begin(), baskets_.end(), [&](const auto& kv) { return kv.second.terminal == c.terminal; });
  if (static_cast<size_t>(held) >= rules_.max_open_baskets) {
    return Outcome::error(Why::conflict, "too_many_baskets", "terminal " + c.terminal + " already holds " + std::to_string(held) +
                                                       " baskets (open or suspended), the most it may");
  }
  Basket b;
  do b.id = ids_.hex(8);
  while (baskets_.count(b.id));  // a restart's test ids count from 1 again
  b.terminal = c.terminal;
  b.created = b.touched = clock_.steady();
  Outcome out = answer(b);
  if (!out.ok()) return out;
  if (Status s = keep(b); !s) return Outcome::from(s);
  out.created = true;
  baskets_.emplace(b.id, std::move(b));
  return out;
}

Outcome Checkout::basket(const Caller& c, const std::string& id) {
  Outcome err;
  Basket* b = find_basket(c, id, err);
  return b ? answer(*b) : err;
}

Outcome Checkout::baskets(const Caller& c) {
  std::vector<const Basket*> mine;
  for (const auto& [id, b] : baskets_) {
    if (b.terminal == c.terminal || b.state == Basket::State::suspended) mine.push_back(&b);
  }
  std::sort(mine.begin(), mine.end(), [](const Basket* a, const Basket* b) { return a->created < b->created; });
  json out = json::array();
  for (const Basket* b : mine) {
    auto promos = promotions(*b);
    if (!promos) return Outcome::from(promos.status());
    json j = b->to_json(b->price(*promos, rules_), rules_);
    j["terminal"] = b->terminal;
    out.push_back(std::move(j));
  }
  return Outcome::success({{"baskets", std::move(out)}});
}

Outcome Checkout::add_line(const Caller& c, const std::string& id, const json& body) {
  Outcome err;
  Basket* b = open_basket(c, id, err);
  if (!b) return err;
  if (!b->tenders.empty()) return Outcome::error(Why::conflict, "basket_has_tenders", "lines cannot change once a tender is taken");
  if (b->lines.size() >= rules_.max_basket_lines) {
    return Outcome::error(Why::conflict, "basket_full", "a basket holds at most " + std::to_string(rules_.max_basket_lines) + " lines");
  }
  std::string code;
  std::optional<int64_t> qty, weight, price;
  std::optional<std::string> reason;
  try {
    Fields f(body, "");
    code = f.string("code");
    std::tie(qty, weight, price) = line_amounts(f);
    reason = f.optional_string("reason");
    f.no_unknown_keys();
    if (reason && !price) throw FieldError{"reason", "is the reason of a price override: give it with price"};
  } catch (const FieldError& e) {
    return Outcome::error(Why::invalid_argument, "invalid_request", e.message());
  }
  auto found = lookup(reader_, code, rules_, journal_.business_day(), err, catalog::Gtins::skip);
  if (!found) return Outcome::from(found.status());
  if (!found->item) return err;
  const Item& item = *found->item;
  Unit unit = item.unit;
  if (Outcome o = label_amounts(*found, code, price.has_value(), unit, qty, weight); !o.ok()) return o;
  if (price && !c.supervisor) return Outcome::error(Why::permission_denied, "supervisor_required", "a price override needs a supervisor");
  if (price) {
    if (Outcome o = need_reason(ReasonUse::price_override, reason); !o.ok()) return o;
  }
  if (found->price && !price && *found->price > rules_.label_price_ceiling && !c.supervisor) {
    return Outcome::error(Why::permission_denied, "supervisor_required", "the label's price " + std::to_string(*found->price) +
                                                          " is above the store's ceiling of " + std::to_string(rules_.label_price_ceiling) +
                                                          ": a supervisor must approve it");
  }
  auto tax = catalog::tax_class(reader_, item.tax_class);
  if (!tax) return Outcome::from(tax.status());

  BasketLine line;
  const int64_t unit_price = price ? *price : found->price ? *found->price : item.price;
  line.input = LineInput{item.sku, unit, qty.value_or(unit == Unit::each ? 1 : 0),
                         weight.value_or(0), unit_price, item.tax_class,
                         *tax ? (*tax)->rate_bp : 0, ManualDiscount{}};
  line.name = item.name;
  line.age_restricted = item.age_restricted;
  if (price) {
    line.catalog_price = item.price;
    line.approved_by = c.approver;
    line.reason = reason.value_or("");
  }
  b->lines.push_back(std::move(line));
  return changed(c, *b, [b] { b->lines.pop_back(); });
}

Outcome Checkout::add_scan(const std::string& terminal, const std::string& code) {
  const Basket* last = nullptr;
  for (const auto& [id, b] : baskets_) {
    if (b.terminal == terminal && b.state == Basket::State::open && (!last || b.touched > last->touched)) last = &b;
  }
  if (!last) return Outcome::error(Why::conflict, "no_open_basket", "terminal " + terminal + " has no open basket for the scan");
  // A scanner's scan counts as its lane's: refused while the lane is locked
  // or has no operator where the store requires one, and made by its operator.
  Caller c{terminal, false, "", "", Role::cashier};
  if (const OperatorSession* s = current_session(terminal)) {
    if (s->locked) return Outcome::error(Why::conflict, "lane_locked", "the lane is locked: its operator's PIN opens it");
    c.operator_id = s->id;
    c.role = s->role;
  } else if (rules_.operators_required) {
    return Outcome::error(Why::permission_denied, "operator_required", "an operator must sign on at this lane first");
  }
  return add_line(c, last->id, {{"code", code}});
}

BasketLine* Checkout::editable_line(const Caller& c, const std::string& id, const std::string& line, Basket*& b, Outcome& err) {
  b = open_basket(c, id, err);
  if (!b) return nullptr;
  if (!b->tenders.empty()) {
    err = Outcome::error(Why::conflict, "basket_has_tenders", "lines cannot change once a tender is taken");
    return nullptr;
  }
  size_t n = 0;
  if (line.empty() || line.size() > 6 || line.find_first_not_of("0123456789") != std::string::npos ||
      (n = std::stoul(line)) < 1 || n > b->lines.size()) {
    err = Outcome::error(Why::not_found, "line_not_found", "the basket has no line " + line);
    return nullptr;
  }
  return &b->lines[n - 1];
}

Outcome Checkout::changed(const Caller& c, Basket& b, const std::function<void()>& undo, std::optional<size_t> amount_off) {
  auto promos = promotions(b);
  if (!promos) {
    if (undo) undo();
    return Outcome::from(promos.status());
  }
  const PricedBasket priced = b.price(*promos, rules_);
  if (!priced.limit_error.empty()) {
    if (undo) undo();
    return Outcome::error(Why::refused, "amount_limit", priced.limit_error);
  }
  if (Outcome o = check_discount_limits(b, priced); !o.ok()) {
    if (undo) undo();
    return o;
  }
  if (amount_off) {
    if (Outcome o = amount_fits(b, priced, *amount_off); !o.ok()) {
      if (undo) undo();
      return o;
    }
  }
  ++b.version;
  if (Status s = keep(b); !s) {
    --b.version;
    if (undo) undo();
    return Outcome::from(s);
  }
  Outcome out = Outcome::success_text(b.answer_text(priced, rules_));
  // Asked before the event is built (the whole basket again), not in emit().
  if (streaming(c.terminal)) sink_(c.terminal, {{"type", "basket"}, {"basket", out.document()}});
  return out;
}

Outcome Checkout::remove_line(const Caller& c, const std::string& id, const std::string& line) {
  Outcome err;
  Basket* b = nullptr;
  BasketLine* l = editable_line(c, id, line, b, err);
  if (!l) return err;
  const auto at = l - b->lines.data();
  const BasketLine removed = *l;
  // A removed line stays on the basket's record, journaled with the sale or
  // the abandonment (deleted lines are what a "zapper" leaves).
  json gone = {{"sku", removed.input.sku}, {"name", removed.name}, {"unit_price", removed.input.unit_price}};
  if (removed.input.unit == Unit::kg) gone["weight_g"] = removed.input.weight_g;
  else gone["qty"] = removed.input.qty;
  b->lines.erase(b->lines.begin() + at);
  b->removed.push_back(std::move(gone));
  return changed(c, *b, [b, at, removed] {
    b->lines.insert(b->lines.begin() + at, removed);
    b->removed.pop_back();
  });
}

Outcome Checkout::change_line(const Caller& c, const std::string& id, const std::string& line, const json& body) {
  Outcome err;
  Basket* b = nullptr;
  BasketLine* l = editable_line(c, id, line, b, err);
  if (!l) return err;
  std::optional<int64_t> qty, weight, price;
  std::optional<std::string> reason;
  const json* discount = nullptr;
  try {
    Fields f(body, "");
    std::tie(qty, weight, price) = line_amounts(f);
    reason = f.optional_string("reason");
    discount = body.contains("discount") ? &body["discount"] : nullptr;  // null takes the discount off
    if (discount) f.find("discount", false);  // read: not an unknown key
    f.no_unknown_keys();
    if (reason && !price) throw FieldError{"reason", "is the reason of a price override: give it with price (a discount's goes inside discount)"};
  } catch (const FieldError& e) {
    return Outcome::error(Why::invalid_argument, "invalid_request", e.message());
  }
  const bool by_weight = l->input.unit == Unit::kg;
  if (!qty && !weight && !price && !discount) {
    return Outcome::error(Why::invalid_argument, "invalid_request", by_weight ? "give weight_g, price or discount" : "give qty, price or discount");
  }
  GivenDiscount given;
  if (discount && !discount->is_null()) {
    if (Outcome o = read_discount(c, *discount, "discount", given); !o.ok()) return o;
  }
  if (by_weight && qty) return Outcome::error(Why::invalid_argument, "invalid_request", "qty: " + l->input.sku + " is sold by weight, not by unit");
  if (!by_weight && weight) return Outcome::error(Why::invalid_argument, "invalid_request", "weight_g: " + l->input.sku + " is sold by unit");
  if (price && !c.supervisor) return Outcome::error(Why::permission_denied, "supervisor_required", "a price override needs a supervisor");
  if (price) {
    if (Outcome o = need_reason(ReasonUse::price_override, reason); !o.ok()) return o;
  }
  const BasketLine before = *l;
  if (qty) l->input.qty = *qty;
  if (weight) l->input.weight_g = *weight;
  if (price) {
    if (!l->catalog_price) l->catalog_price = l->input.unit_price;
    l->input.unit_price = *price;
    l->approved_by = c.approver;
    l->reason = reason.value_or("");
  }
  if (discount) l->discount = given;
  const size_t n = static_cast<size_t>(l - b->lines.data());
  return changed(c, *b, [l, before] { *l = before; }, given.value.amount > 0 ? std::optional<size_t>(n) : std::nullopt);
}

Outcome Checkout::suspend(const Caller& c, const std::string& id) {
  Outcome err;
  Basket* b = open_basket(c, id, err);
  if (!b) return err;
  if (!b->tenders.empty()) return Outcome::error(Why::conflict, "basket_has_tenders", "a basket with tenders cannot be suspended");
  b->state = Basket::State::suspended;
  ++b->version;
  if (Status s = keep(*b); !s) {
    b->state = Basket::State::open;
    --b->version;
    return Outcome::from(s);
  }
  return answer(*b);
}

Outcome Checkout::resume(const Caller& c, const std::string& id) {
  Outcome err;
  Basket* b = find_basket(c, id, err);
  if (!b) return err;
  if (b->state != Basket::State::suspended) return Outcome::error(Why::conflict, "basket_not_suspended", "the basket is " + std::string(to_string(b->state)));
  const std::string was = b->terminal;
  b->state = Basket::State::open;
  ++b->version;
  b->terminal = c.terminal;  // any lane may take a suspended basket over
  if (Status s = keep(*b); !s) {
    b->state = Basket::State::suspended;
    --b->version;
    b->terminal = was;
    return Outcome::from(s);
  }
  return answer(*b);
}

void Checkout::tender(const Caller& c, const std::string& id, const json& body, Done done) {
  Outcome err;
  Basket* b = find_basket(c, id, err);
  if (!b) return done(err);
  if (b->terminal != c.terminal) return done(not_open(*b));
  auto promos = promotions(*b);
  if (!promos) return done(Outcome::from(promos.status()));
  PricedBasket priced = b->price(*promos, rules_);
  if (!priced.limit_error.empty()) return done(Outcome::error(Why::refused, "amount_limit", priced.limit_error));
  const Basket before = *b;
  Outcome t = add_tender(*b, body, priced, rules_);
  if (!t.ok()) return done(t);
  ++b->version;
  const std::string kept = basket_state_text(*b);
  if (Status s = keep(*b, kept); !s) {
    *b = before;
    return done(Outcome::from(s));
  }
  Outcome answer = Outcome::success_text(b->answer_text(priced, rules_));
  // With the journal's fsync: the basket as it is now, so that a power cut
  // that takes the basket store's last moments takes no card approval.
  write(c,
      [id, terminal = b->terminal, text = b->tender_record_text(priced, rules_, kept), answer](WriteContext& ctx, std::vector<Entry>&) {
        if (Status s = kept_baskets::put(ctx.db, {id, terminal, text}); !s) return Outcome::from(s);
        return answer;
      },
      nullptr, [id, answer, done = std::move(done)](Outcome o) {
        // The tender stands (it was taken); a basket that could not be kept
        // is still journaled when it ends, unless posd dies first.
        if (!o.ok()) log::get("checkout")->error("basket {}: its tender could not be kept on disk: {}", id, o.body.dump());
        done(answer);
      });
}

// --- writes ----------------------------------------------------------------

idempotency::Answer remembered(const std::string& request, const Outcome& o) {
  return {request, o.created ? 201 : 200, o.text_of()};
}

Outcome replayed(const idempotency::Answer& a) {
  Outcome o = a.status == 201 ? Outcome::made(json::parse(a.body)) : Outcome::success(json::parse(a.body));
  o.replayed = true;
  return o;
}

Outcome Checkout::replay(const idempotency::Answer& a) {
  Outcome o = replayed(a);
  // A closure's anchor is read after its write, so the kept answer lacks it.
  anchor_closures("", o);
  return o;
}

void Checkout::write(const Caller& c, OutcomeMutation m, const IdemKey* idem, Done done) {
  if (!c.operator_id.empty()) {
    m = [m = std::move(m), op = c.operator_id](WriteContext& ctx, std::vector<Entry>& entries) {
      Outcome o = m(ctx, entries);
      for (Entry& e : entries) {
        if (e.payload.is_object() && !e.payload.contains("operator")) e.payload["operator"] = op;
      }
      return o;
    };
  }
  struct State {
    Outcome outcome;
    bool refused = false;
  };
  auto state = std::make_shared<State>();
  std::optional<IdemKey> key;
  if (idem) key = *idem;
  journal_.submit(
      [m = std::move(m), key, state](WriteContext& ctx) -> Result<std::vector<Entry>> {
        if (key) {
          auto prev = idempotency::find(ctx.db, key->terminal, key->key);
          if (!prev) return prev.status();
          if (*prev) {
            state->outcome = (*prev)->request == key->request
                                 ? replayed(**prev)
                                 : Outcome::idempotency_key_reused();
            return std::vector<Entry>{};
          }
        }
        std::vector<Entry> entries;
        state->outcome = m(ctx, entries);
        if (!state->outcome.ok()) {
          state->refused = true;
          return Status::refused(state->outcome.code());  // a rule said no: roll back whatever the mutation did
        }
        if (key) {
          Status s = idempotency::put(ctx.db, key->terminal, key->key,
                                      remembered(key->request, state->outcome));
          if (!s) return s;
        }
        return entries;
      },
      [this, state, done = std::move(done),
       guard = boost::asio::make_work_guard(ioc_)](Result<Appended> r) {
        Outcome out = r || state->refused ? state->outcome : Outcome::from(r.status());
        // Every stream hears that the journal moved (the store's dashboards),
        // after the writer's own answer and alerts.
        json moved;
        if (r && r->last_seq > 0) {
          moved = {{"type", "journal"}, {"seq", r->last_seq}, {"events", json::array()}};
          for (const Event& e : r->events) moved["events"].push_back(e.type);
        }
        loop_post(ioc_, [this, done, out = std::move(out), moved = std::move(moved)] {
          done(out);
          if (!moved.is_null()) emit("", moved);
        });
      });
}

void Checkout::cancel(const Caller& c, const std::string& id, const IdemKey* idem, Done done) {
  Outcome err;
  Basket* b = find_basket(c, id, err);
  if (!b) return done(err);
  if (b->terminal != c.terminal || b->state == Basket::State::completing) return done(not_open(*b));
  auto answer_body = answer(*b);
  if (!answer_body.ok()) return done(answer_body);
  json record = answer_body.document();
  record["terminal"] = c.terminal;
  const bool empty = b->lines.empty() && b->tenders.empty();
  b->state = Basket::State::completing;
  write(c,
      [record, empty, id](WriteContext& ctx, std::vector<Entry>& entries) {
        if (Status s = kept_baskets::end(ctx.db, id, ctx.next_seq); !s) return Outcome::from(s);
        if (!empty) entries.push_back({"basket_cancelled", record});
        json out = {{"id", record["id"]}, {"state", "cancelled"}};
        if (!empty) out["seq"] = ctx.next_seq;
        return Outcome::success(out);
      },
      idem,
      [this, id, done](Outcome o) {
        settle(id, o.ok());
        done(o);
      });
}

}  // namespace posd
