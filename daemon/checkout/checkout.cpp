#include "daemon/checkout/checkout.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <openssl/rand.h>

#include "storage/json_fields.h"
#include "storage/log.h"
#include "drivers/gtin.h"
#include "storage/catalog.h"
#include "storage/digest.h"
#include "storage/sales.h"
#include "storage/stock.h"

namespace posd {

using json = nlohmann::json;

Result<std::unique_ptr<Checkout>> Checkout::open(boost::asio::io_context& ioc, Journal& journal, StoreRules rules) {
  auto reader = sql::Db::open(journal.db_path(), sql::Db::Mode::read_write);
  if (!reader) return reader.status();
  return std::unique_ptr<Checkout>(new Checkout(ioc, journal, std::move(rules), std::move(*reader)));
}

Checkout::Checkout(boost::asio::io_context& ioc, Journal& journal, StoreRules rules, sql::Db reader)
    : ioc_(ioc), journal_(journal), rules_(std::move(rules)), reader_(std::move(reader)) {}

void Checkout::emit(const std::string& terminal, const json& event) {
  if (sink_) sink_(terminal, event);
}

Result<std::vector<Promotion>> Checkout::promotions() { return catalog::promotions(reader_); }

// --- items and stock -------------------------------------------------------

namespace {

// The item a scanned or typed code names: a GTIN (check digit verified) or a SKU.
Result<std::optional<Item>> lookup(sql::Db& db, const std::string& code, Outcome& err) {
  const bool digits = !code.empty() && code.find_first_not_of("0123456789") == std::string::npos;
  if (digits && (code.size() == 8 || code.size() == 12 || code.size() == 13 || code.size() == 14)) {
    auto g = barcode::parse_gtin(code);
    if (g.gtin) {
      auto it = catalog::by_gtin(db, g.gtin->gtin14);
      if (!it || *it) return it;
    } else {
      // A numeric SKU may look like a GTIN; only if it is none is the check digit at fault.
      auto it = catalog::by_sku(db, code);
      if (!it || *it) return it;
      err = Outcome::error(422, "bad_check_digit", code + ": " + barcode::to_string(*g.error));
      return std::optional<Item>{};
    }
  }
  auto it = catalog::by_sku(db, code);
  if (it && !*it) err = Outcome::error(404, "unknown_code", "no item has the code " + code);
  return it;
}

}  // namespace

Outcome Checkout::item(const std::string& code) {
  Outcome err;
  auto it = lookup(reader_, code, err);
  if (!it) return Outcome::from(it.status());
  if (!*it) return err;
  auto tax = catalog::tax_class(reader_, (*it)->tax_class);
  auto on_hand = stock::on_hand(reader_, (*it)->sku);
  if (!tax) return Outcome::from(tax.status());
  if (!on_hand) return Outcome::from(on_hand.status());
  const Item& i = **it;
  return Outcome::success({{"sku", i.sku}, {"name", i.name}, {"gtins", i.gtins}, {"unit_price", i.price},
                           {"unit", to_string(i.unit)}, {"tax_class", i.tax_class},
                           {"rate_bp", *tax ? (*tax)->rate_bp : 0}, {"on_hand", *on_hand},
                           {"low_stock", i.low_stock}, {"age_restricted", i.age_restricted}});
}

Outcome Checkout::stock(const std::string& sku) {
  auto it = catalog::by_sku(reader_, sku);
  if (!it) return Outcome::from(it.status());
  auto on_hand = stock::on_hand(reader_, sku);
  if (!on_hand) return Outcome::from(on_hand.status());
  if (!*it && *on_hand == 0) return Outcome::error(404, "unknown_sku", "no item has the SKU " + sku);
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
    err = Outcome::error(404, "basket_not_found", "no basket " + id + " at this terminal");
    return nullptr;
  }
  it->second.touched = std::chrono::steady_clock::now();
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
  if (written) baskets_.erase(it);
  else it->second.state = Basket::State::open;
}

size_t Checkout::expire(std::chrono::steady_clock::time_point now, std::chrono::seconds max_age) {
  std::vector<std::string> gone;
  for (auto& [id, b] : baskets_) {
    if (b.state == Basket::State::completing || now - b.touched < max_age) continue;
    if (!b.lines.empty() || !b.tenders.empty()) {
      Outcome a = answer(b);
      json record = a.ok() ? a.body : json{{"id", id}};
      record["terminal"] = b.terminal;
      write([record](WriteContext&, std::vector<Entry>& entries) {
              entries.push_back({"basket_abandoned", record});
              return Outcome::success(json::object());
            },
            nullptr, [id](Outcome o) {
              if (!o.ok()) log::get("checkout")->error("basket {}: abandoning it was not journaled: {}", id, o.body.dump());
            });
    }
    log::get("checkout")->info("basket {} of {} abandoned after {} s untouched", id, b.terminal, max_age.count());
    gone.push_back(id);
  }
  for (const std::string& id : gone) baskets_.erase(id);
  return gone.size();
}

Outcome Checkout::answer(const Basket& b) {
  auto promos = promotions();
  if (!promos) return Outcome::from(promos.status());
  return Outcome::success(b.to_json(b.price(*promos, rules_), rules_));
}

Outcome Checkout::create_basket(const Caller& c) {
  unsigned char raw[8];
  RAND_bytes(raw, sizeof raw);
  Basket b;
  b.id = to_hex(std::string(reinterpret_cast<char*>(raw), sizeof raw));
  b.terminal = c.terminal;
  Outcome out = answer(b);
  out.status = 201;
  baskets_.emplace(b.id, std::move(b));
  return out;
}

Outcome Checkout::basket(const Caller& c, const std::string& id) {
  Outcome err;
  Basket* b = find_basket(c, id, err);
  return b ? answer(*b) : err;
}

Outcome Checkout::add_line(const Caller& c, const std::string& id, const json& body) {
  Outcome err;
  Basket* b = open_basket(c, id, err);
  if (!b) return err;
  if (!b->tenders.empty()) return Outcome::error(409, "basket_has_tenders", "lines cannot change once a tender is taken");
  std::string code;
  std::optional<int64_t> qty, weight, price;
  try {
    Fields f(body, "");
    code = f.string("code");
    qty = f.optional_integer("qty", 1, 9999);
    weight = f.optional_integer("weight_g", 1, 100000);
    price = f.optional_integer("price", 0, 100'000'000'000);
    f.no_unknown_keys();
  } catch (const FieldError& e) {
    return Outcome::error(400, "invalid_request", e.message());
  }
  auto it = lookup(reader_, code, err);
  if (!it) return Outcome::from(it.status());
  if (!*it) return err;
  const Item& item = **it;
  if (item.unit == Unit::kg && !weight) return Outcome::error(400, "weight_required", item.sku + " is sold by weight: give weight_g");
  if (item.unit == Unit::kg && qty) return Outcome::error(400, "invalid_request", "qty: " + item.sku + " is sold by weight, not by unit");
  if (item.unit == Unit::each && weight) return Outcome::error(400, "invalid_request", "weight_g: " + item.sku + " is sold by unit");
  if (price && !c.supervisor) return Outcome::error(403, "supervisor_required", "a price override needs a supervisor");
  auto tax = catalog::tax_class(reader_, item.tax_class);
  if (!tax) return Outcome::from(tax.status());

  BasketLine line;
  line.input = LineInput{item.sku, item.unit, qty.value_or(item.unit == Unit::each ? 1 : 0),
                         weight.value_or(0), price.value_or(item.price), item.tax_class,
                         *tax ? (*tax)->rate_bp : 0};
  line.name = item.name;
  line.age_restricted = item.age_restricted;
  if (price) {
    line.catalog_price = item.price;
    line.approved_by = c.approver;
  }
  b->lines.push_back(std::move(line));
  Outcome out = answer(*b);
  if (out.ok()) emit(c.terminal, {{"type", "basket"}, {"basket", out.body}});
  return out;
}

Outcome Checkout::remove_line(const Caller& c, const std::string& id, const std::string& line) {
  Outcome err;
  Basket* b = open_basket(c, id, err);
  if (!b) return err;
  if (!b->tenders.empty()) return Outcome::error(409, "basket_has_tenders", "lines cannot change once a tender is taken");
  size_t n = 0;
  if (line.empty() || line.size() > 6 || line.find_first_not_of("0123456789") != std::string::npos ||
      (n = std::stoul(line)) < 1 || n > b->lines.size()) {
    return Outcome::error(404, "line_not_found", "the basket has no line " + line);
  }
  b->lines.erase(b->lines.begin() + static_cast<long>(n - 1));
  Outcome out = answer(*b);
  if (out.ok()) emit(c.terminal, {{"type", "basket"}, {"basket", out.body}});
  return out;
}

Outcome Checkout::suspend(const Caller& c, const std::string& id) {
  Outcome err;
  Basket* b = open_basket(c, id, err);
  if (!b) return err;
  if (!b->tenders.empty()) return Outcome::error(409, "basket_has_tenders", "a basket with tenders cannot be suspended");
  b->state = Basket::State::suspended;
  return answer(*b);
}

Outcome Checkout::resume(const Caller& c, const std::string& id) {
  Outcome err;
  Basket* b = find_basket(c, id, err);
  if (!b) return err;
  if (b->state != Basket::State::suspended) return Outcome::error(409, "basket_not_suspended", "the basket is " + std::string(to_string(b->state)));
  b->state = Basket::State::open;
  b->terminal = c.terminal;  // any lane may take a suspended basket over
  return answer(*b);
}

Outcome Checkout::tender(const Caller& c, const std::string& id, const json& body) {
  Outcome err;
  Basket* b = find_basket(c, id, err);
  if (!b) return err;
  if (b->terminal != c.terminal) return not_open(*b);
  auto promos = promotions();
  if (!promos) return Outcome::from(promos.status());
  PricedBasket priced = b->price(*promos, rules_);
  Outcome t = add_tender(*b, body, priced, rules_);
  if (!t.ok()) {
    if (t.body["error"]["code"] == "card_number_refused") {
      log::get("checkout")->warn("{}: refused a tender carrying a card number (neither kept nor logged)", c.terminal);
    }
    return t;
  }
  return Outcome::success(b->to_json(priced, rules_));
}

// --- writes ----------------------------------------------------------------

void Checkout::write(OutcomeMutation m, const IdemKey* idem, Done done) {
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
                                 ? Outcome{(*prev)->status, json::parse((*prev)->body)}
                                 : Outcome::idempotency_key_reused();
            return std::vector<Entry>{};
          }
        }
        std::vector<Entry> entries;
        state->outcome = m(ctx, entries);
        if (!state->outcome.ok()) {
          state->refused = true;
          return Status::conflict("refused");  // roll back whatever the mutation did
        }
        if (key) {
          Status s = idempotency::put(ctx.db, key->terminal, key->key,
                                      {key->request, state->outcome.status, state->outcome.body.dump()});
          if (!s) return s;
        }
        return entries;
      },
      [this, state, done = std::move(done),
       guard = boost::asio::make_work_guard(ioc_)](Result<Appended> r) {
        Outcome out = r || state->refused ? state->outcome : Outcome::from(r.status());
        boost::asio::post(ioc_, [done, out = std::move(out)] { done(out); });
      });
}

void Checkout::cancel(const Caller& c, const std::string& id, const IdemKey* idem, Done done) {
  Outcome err;
  Basket* b = find_basket(c, id, err);
  if (!b) return done(err);
  if (b->terminal != c.terminal || b->state == Basket::State::completing) return done(not_open(*b));
  auto answer_body = answer(*b);
  if (!answer_body.ok()) return done(answer_body);
  json record = answer_body.body;
  record["terminal"] = c.terminal;
  const bool empty = b->lines.empty() && b->tenders.empty();
  b->state = Basket::State::completing;
  write(
      [record, empty](WriteContext& ctx, std::vector<Entry>& entries) {
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
