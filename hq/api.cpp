#include "hq/api.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <variant>

#include "base/clock.h"
#include "base/digest.h"
#include "base/json_fields.h"
#include "base/json_text.h"
#include "base/log.h"
#include "hq/api_reply.h"
#include "hq/changes.h"

namespace posd::hq {

namespace bhttp = http::bhttp;
using json = nlohmann::json;

namespace {

constexpr size_t kMaxSkus = 100;  // in one availability request: its answer is SKUs x stores rows
// Down-log entries one change may append (entries x stores): a change is one
// transaction on the serving loop's thread.
constexpr size_t kMaxChangeRows = 1'000'000;

// The body as JSON, or the answer that refuses it: not JSON, a repeated key
// (readers disagree on which one counts), not application/json.
std::variant<json, http::Response> json_body(const http::Request& req) {
  if (req[bhttp::field::content_type].find("application/json") != 0) {
    return error(bhttp::status::unsupported_media_type, "unsupported_media_type", "the request body must be application/json", req);
  }
  auto parsed = parse_json(req.body());
  if (parsed) return std::move(*parsed);
  const bool duplicate = parsed.status().message().rfind("duplicate key", 0) == 0;
  return error(bhttp::status::bad_request, duplicate ? "duplicate_key" : "malformed_json",
               duplicate ? "the request body repeats a key: " + parsed.status().message() : "the request body is not valid JSON",
               req);
}

// YYYY-MM-DD, and a day the calendar has (2026-02-30 is not one).
bool is_day(const std::string& d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (d[i] < '0' || d[i] > '9') return false;
  }
  const auto number = [&d](size_t at, size_t n) { return std::stoi(d.substr(at, n)); };
  const std::chrono::year_month_day day{std::chrono::year{number(0, 4)}, std::chrono::month(static_cast<unsigned>(number(5, 2))),
                                        std::chrono::day(static_cast<unsigned>(number(8, 2)))};
  return day.ok();
}

// A change's standing at one store, from what its journal says (hq/mirror.h).
json standing(const ChangeStore& s) {
  json out = {{"store_id", s.store_id}, {"first_hq_seq", s.first}, {"last_hq_seq", s.last},
              {"acknowledged", s.acked >= s.last}};
  uint64_t applied = 0, store_seq = 0;
  for (const DownOutcome& o : s.outcomes) {
    if (!o.applied) {
      out["status"] = "quarantined";
      out["store_seq"] = o.store_seq;
      out["hq_seq"] = o.hq_seq;
      out["reason"] = o.reason;
      return out;
    }
    ++applied;
    store_seq = std::max(store_seq, o.store_seq);
  }
  if (applied == s.last - s.first + 1) {
    out["status"] = "applied";
    out["store_seq"] = store_seq;
  } else {
    out["status"] = "pending";
  }
  return out;
}

}  // namespace

Result<std::vector<ApiToken>> read_tokens(const json& doc) {
  try {
    Fields top(doc, "");
    const json& list = top.array("tokens");
    top.no_unknown_keys();
    std::vector<ApiToken> out;
    std::set<std::string> names, digests;
    for (size_t i = 0; i < list.size(); ++i) {
      Fields t(list[i], "tokens[" + std::to_string(i) + "]");
      ApiToken tok;
      tok.name = t.string("name");
      const std::string role = t.string("role");
      const std::string token = t.string("token");
      t.no_unknown_keys();
      if (role != "viewer" && role != "operator") throw FieldError{t.child("role"), "must be viewer or operator"};
      tok.may_publish = role == "operator";
      if (token.rfind("sha256:", 0) == 0) {
        tok.sha256 = token.substr(7);
        if (tok.sha256.size() != 64 || tok.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
          throw FieldError{t.child("token"), "sha256: must be followed by 64 lower-case hex digits"};
        }
      } else {
        if (token.size() < 16) throw FieldError{t.child("token"), "must be at least 16 characters, or sha256:<64 hex>"};
        tok.sha256 = to_hex(sha256(token));
      }
      if (!names.insert(tok.name).second) throw FieldError{t.child("name"), "\"" + tok.name + "\" is given twice"};
      if (!digests.insert(tok.sha256).second) throw FieldError{t.child("token"), "is another entry's token"};
      out.push_back(std::move(tok));
    }
    return out;
  } catch (const FieldError& e) {
    return Status::invalid_argument(e.message());
  }
}

HqApi::HqApi(std::unique_ptr<HqStore> store, std::vector<ApiToken> tokens, Links links, std::chrono::seconds alert_after)
    : store_(std::move(store)), tokens_(std::move(tokens)), links_(std::move(links)), alert_after_(alert_after) {
  add_routes();
}

http::Handler HqApi::handler() {
  return [this](const http::Request& req, http::Reply reply) { router_(req, std::move(reply)); };
}

const ApiToken* HqApi::authenticate(const http::Request& req) const {
  return find_bearer(http::bearer_authorization(req), tokens_, [](const ApiToken& t) -> const std::string& { return t.sha256; });
}

std::optional<std::string> HqApi::reader(const http::Request& req) const {
  const ApiToken* t = authenticate(req);
  if (!t) return std::nullopt;
  return t->name;
}

http::Route HqApi::viewer(Authed route) {
  return [this, route = std::move(route)](const http::Request& req, const http::Params& p, http::Reply reply) {
    if (!authenticate(req)) {
      auto res = error(bhttp::status::unauthorized, "unauthorized", "a bearer token is required", req);
      res.set(bhttp::field::www_authenticate, "Bearer");
      return reply(std::move(res));
    }
    route(req, p, std::move(reply));
  };
}

http::Route HqApi::operator_only(Authed route) {
  return viewer([this, route = std::move(route)](const http::Request& req, const http::Params& p, http::Reply reply) {
    const ApiToken* t = authenticate(req);
    if (!t->may_publish) {
      return reply(error(bhttp::status::forbidden, "forbidden", "token \"" + t->name + "\" is a viewer's: publishing needs an operator's", req));
    }
    log::get("hq-api")->info("{} by {}", std::string(req.target()), t->name);
    route(req, p, std::move(reply));
  });
}

Result<json> HqApi::store_row(const std::string& id, const StorePosition& p, const std::map<std::string, StoreLink>& links) {
  auto link = links.find(id);
  const StoreLink seen = link == links.end() ? StoreLink{} : link->second;
  const uint64_t announced = std::max(seen.announced, p.acked_seq);
  json row = {{"store_id", id},
              {"online", seen.online},
              {"held_seq", p.acked_seq},
              {"announced_seq", announced},
              {"lag", announced - p.acked_seq},
              {"last_heard", seen.last_heard ? json(format_utc(*seen.last_heard)) : json(nullptr)},
              {"rejected", p.rejected},
              {"quarantined", p.quarantined},
              {"alerts", alerts(p, seen)},
              {"down_log", {{"head", p.down_head}, {"acked", p.down_acked}, {"pending", p.down_head - std::min(p.down_head, p.down_acked)}}}};
  return row;
}

Result<json> HqApi::availability(const std::string& sku, const std::map<std::string, StoreLink>& links) {
  auto at = store_->stock_of(sku);
  if (!at) return at.status();
  json stores = json::array();
  int64_t total = 0;
  for (const StockAt& s : *at) {
    auto link = links.find(s.store_id);
    const bool online = link != links.end() && link->second.online;
    const int64_t available = std::max<int64_t>(0, s.on_hand);
    if (__builtin_add_overflow(total, available, &total)) return Status::corruption("availability passes 64 bits");
    stores.push_back({{"store_id", s.store_id}, {"on_hand", s.on_hand}, {"available", available}, {"reserved", s.reserved},
                      {"as_of_seq", s.as_of_seq}, {"moved_seq", s.moved_seq}, {"online", online},
                      {"last_heard", link != links.end() && link->second.last_heard ? json(format_utc(*link->second.last_heard)) : json(nullptr)}});
  }
  return json{{"sku", sku}, {"available", total}, {"stores", stores}};
}

void HqApi::publish(const http::Request& req, http::Reply reply, const std::string& kind) {
  auto read = json_body(req);
  if (auto* refused = std::get_if<http::Response>(&read)) return reply(std::move(*refused));
  const json& body = std::get<json>(read);
  auto asked = kind == "price" ? prices_request(body) : kind == "catalog" ? catalog_request(body) : snapshot_request(body);
  if (!asked) return reply(error(bhttp::status::bad_request, "invalid_request", asked.status().message(), req));
  auto id = append(req, *asked);
  if (auto* refused = std::get_if<http::Response>(&id)) return reply(std::move(*refused));
  const ChangeRequest& r = *asked;
  auto res = json_response(bhttp::status::accepted, {{"change_id", std::get<uint64_t>(id)}, {"kind", r.kind},
                                                     {"stores", r.stores.size()}, {"entries", r.entries.size()}}, req);
  res.set(bhttp::field::location, "/v1/changes/" + std::to_string(std::get<uint64_t>(id)));
  reply(std::move(res));
}

// Over 40 lines: every check before anything is appended, then one append.
std::variant<uint64_t, http::Response> HqApi::append(const http::Request& req, ChangeRequest& r) {
  if (r.stores.empty()) {
    auto all = store_->stores();
    if (!all) return failure(all.status(), req);
    if (all->empty()) return error(bhttp::status::conflict, "no_stores", "no store is registered", req);
    r.stores = *all;
  }
  for (const std::string& id : r.stores) {
    auto held = store_->acked_seq(id);
    if (!held && held.status().code() == Status::Code::not_found) {
      return error(bhttp::status::not_found, "unknown_store", "no store \"" + id + "\" is registered", req);
    }
    if (!held) return failure(held.status(), req);
    if (r.kind == "stock_snapshot") {
      if (r.as_of_store_seq && *r.as_of_store_seq > *held) {
        return error(bhttp::status::bad_request, "invalid_request",
                     "as_of_store_seq: " + std::to_string(*r.as_of_store_seq) + " is beyond what HQ holds of " + id +
                         " (" + std::to_string(*held) + ")", req);
      }
      set_as_of(r, r.as_of_store_seq.value_or(*held));
    }
  }
  if (r.entries.size() * r.stores.size() > kMaxChangeRows) {
    return error(bhttp::status::payload_too_large, "change_too_large",
                 std::to_string(r.entries.size()) + " entries for " + std::to_string(r.stores.size()) + " stores pass the " +
                     std::to_string(kMaxChangeRows) + " down-log entries one change may append: split it", req);
  }
  if (!r.skus.empty()) {
    auto unknown = store_->unknown_skus(r.skus);
    if (!unknown) return failure(unknown.status(), req);
    if (!unknown->empty()) {
      std::string list;
      for (size_t i = 0; i < unknown->size() && i < 10; ++i) list += (i ? ", \"" : "\"") + (*unknown)[i] + "\"";
      return error(bhttp::status::not_found, "unknown_sku",
                   std::to_string(unknown->size()) + " SKU(s) HQ has never seen in a store or a catalog: " + list, req);
    }
  }
  auto id = store_->publish(r.kind, r.stores, r.entries, r.order_ref);
  if (!id) return failure(id.status(), req);
  if (published_) published_();
  return *id;
}

// An order as its store's journal says: reserved, released, picked; or,
// before the store has applied it, refused (with the store's reason) or pending.
json HqApi::order_json(const std::string& ref, const OrderView& o) {
  json requested = json::array();
  for (const Change& c : o.changes) requested.push_back({{"change_id", c.id}, {"at", c.at}, {"delivery", standing(c.stores.at(0))}});
  json out = {{"reservation_id", ref}, {"store_id", o.changes.at(0).stores.at(0).store_id}, {"requests", requested}};
  if (o.held) {
    out["status"] = o.held->status;
    out["lines"] = o.held->lines;
    out["store_seq"] = o.held->store_seq;
    return out;
  }
  const json first = standing(o.changes[0].stores.at(0));
  out["status"] = first["status"] == "quarantined" ? "refused" : "pending";
  if (first.contains("reason")) out["reason"] = first["reason"];
  return out;
}

// A release or pick of an order HQ reserved, unless the store's journal
// already closed it.
void HqApi::act_on_order(const http::Request& req, const std::string& ref, const std::string& action, http::Reply reply) {
  auto o = store_->order(ref);
  if (!o) return reply(failure(o.status(), req));
  if (o->changes.empty()) return reply(error(bhttp::status::not_found, "unknown_reservation", "no reservation \"" + ref + "\"", req));
  const json now = order_json(ref, *o);
  const std::string status = now["status"];
  if (status == "released" || status == "picked" || status == "refused") {
    return reply(error(bhttp::status::conflict, "reservation_closed", "reservation \"" + ref + "\" is " + status, req));
  }
  // A release or pick already asked and not yet applied: the store would refuse the second.
  if (o->changes.size() > 1 && standing(o->changes.back().stores.at(0))["status"] == "pending") {
    return reply(error(bhttp::status::conflict, "reservation_busy",
                       "reservation \"" + ref + "\" has a release or pick the store has not applied yet", req));
  }
  ChangeRequest r = order_action(now["store_id"], ref, action);
  auto id = append(req, r);
  if (auto* refused = std::get_if<http::Response>(&id)) return reply(std::move(*refused));
  reply(json_response(bhttp::status::accepted, {{"reservation_id", ref}, {"action", action}, {"change_id", std::get<uint64_t>(id)}}, req));
}

// Over 40 lines: one route after another.
void HqApi::add_routes() {
  router_.add(bhttp::verb::get, "/healthz", [](const http::Request& req, const http::Params&, http::Reply reply) {
    reply(json_response(bhttp::status::ok, {{"ok", true}}, req));
  });
  router_.add(bhttp::verb::get, "/v1/stores", viewer([this](const http::Request& req, const http::Params&, http::Reply reply) {
    auto positions = store_->positions();
    if (!positions) return reply(failure(positions.status(), req));
    const auto links = links_();
    json stores = json::array();
    for (const auto& [id, p] : *positions) {
      auto row = store_row(id, p, links);
      if (!row) return reply(failure(row.status(), req));
      stores.push_back(std::move(*row));
    }
    reply(json_response(bhttp::status::ok, {{"stores", stores}}, req));
  }));
  router_.add(bhttp::verb::get, "/v1/stores/{id}", viewer([this](const http::Request& req, const http::Params& p, http::Reply reply) {
    const std::string& id = p.at("id");
    const std::string day = query(req, "business_day");
    if (!day.empty() && !is_day(day)) {
      return reply(error(bhttp::status::bad_request, "invalid_request", "business_day: must be a day of the calendar, YYYY-MM-DD", req));
    }
    auto positions = store_->positions();
    if (!positions) return reply(failure(positions.status(), req));
    auto at = positions->find(id);
    if (at == positions->end()) return reply(error(bhttp::status::not_found, "unknown_store", "no store \"" + id + "\" is registered", req));
    auto row = store_row(id, at->second, links_());
    auto sales = store_->sales_of(id, day);
    if (!row) return reply(failure(row.status(), req));
    if (!sales) return reply(failure(sales.status(), req));
    json hours = json::array(), skus = json::object();
    SalesFigure all;
    for (const auto& [k, f] : sales->figures) {
      if (k.sku.empty()) {
        all.count += f.count, all.amount += f.amount, all.refunded += f.refunded;
        hours.push_back({{"hour", k.hour}, {"receipts", f.count}, {"total", f.amount}, {"refunded", f.refunded}});
        continue;
      }
      json& s = skus[k.sku];
      if (s.is_null()) s = {{"sku", k.sku}, {"quantity", 0}, {"amount", 0}, {"returned", 0}, {"refunded", 0}};
      s["quantity"] = s["quantity"].get<int64_t>() + f.quantity;
      s["amount"] = s["amount"].get<int64_t>() + f.amount;
      s["returned"] = s["returned"].get<int64_t>() + f.returned;
      s["refunded"] = s["refunded"].get<int64_t>() + f.refunded;
    }
    json by_sku = json::array();
    for (auto& [k, v] : skus.items()) by_sku.push_back(v);
    (*row)["sales"] = {{"business_day", sales->business_day.empty() ? json(nullptr) : json(sales->business_day)},
                       {"receipts", all.count}, {"total", all.amount}, {"refunded", all.refunded},
                       {"net", all.amount - all.refunded}, {"hours", hours}, {"skus", by_sku}};
    reply(json_response(bhttp::status::ok, *row, req));
  }));
  router_.add(bhttp::verb::get, "/v1/availability/{sku}", viewer([this](const http::Request& req, const http::Params& p, http::Reply reply) {
    auto a = availability(p.at("sku"), links_());
    if (!a) return reply(failure(a.status(), req));
    reply(json_response(bhttp::status::ok, *a, req));
  }));
  router_.add(bhttp::verb::post, "/v1/availability", viewer([this](const http::Request& req, const http::Params&, http::Reply reply) {
    auto read = json_body(req);
    if (auto* refused = std::get_if<http::Response>(&read)) return reply(std::move(*refused));
    const json& body = std::get<json>(read);
    std::vector<std::string> skus;
    try {
      Fields f(body, "");
      const json& list = f.array("skus");
      f.no_unknown_keys();
      if (list.empty() || list.size() > kMaxSkus) throw FieldError{"skus", "must hold 1 to " + std::to_string(kMaxSkus) + " SKUs"};
      for (size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is_string() || list[i].get<std::string>().empty()) throw FieldError{"skus[" + std::to_string(i) + "]", "must be a SKU"};
        skus.push_back(list[i]);
      }
    } catch (const FieldError& e) {
      return reply(error(bhttp::status::bad_request, "invalid_request", e.message(), req));
    }
    const auto links = links_();
    json items = json::array();
    for (const std::string& sku : skus) {
      auto a = availability(sku, links);
      if (!a) return reply(failure(a.status(), req));
      items.push_back(std::move(*a));
    }
    reply(json_response(bhttp::status::ok, {{"items", items}}, req));
  }));
  for (const auto& [path, kind] : {std::pair<const char*, const char*>{"/v1/prices", "price"},
                                   {"/v1/catalog", "catalog"}, {"/v1/stock-snapshots", "stock_snapshot"}}) {
    router_.add(bhttp::verb::post, path, operator_only([this, kind = std::string(kind)](const http::Request& req, const http::Params&, http::Reply reply) {
      publish(req, std::move(reply), kind);
    }));
  }
  router_.add(bhttp::verb::post, "/v1/reservations", operator_only([this](const http::Request& req, const http::Params&, http::Reply reply) {
    auto read = json_body(req);
    if (auto* refused = std::get_if<http::Response>(&read)) return reply(std::move(*refused));
    auto asked = reservation_request(std::get<json>(read));
    if (!asked) return reply(error(bhttp::status::bad_request, "invalid_request", asked.status().message(), req));
    auto held = store_->order(asked->order_ref);
    if (!held) return reply(failure(held.status(), req));
    if (!held->changes.empty()) {
      return reply(error(bhttp::status::conflict, "reservation_exists", "reservation \"" + asked->order_ref + "\" was already asked for", req));
    }
    auto id = append(req, *asked);
    if (auto* refused = std::get_if<http::Response>(&id)) return reply(std::move(*refused));
    auto res = json_response(bhttp::status::accepted, {{"reservation_id", asked->order_ref}, {"change_id", std::get<uint64_t>(id)}}, req);
    res.set(bhttp::field::location, "/v1/reservations/" + asked->order_ref);  // its characters are checked
    reply(std::move(res));
  }));
  router_.add(bhttp::verb::get, "/v1/reservations/{ref}", viewer([this](const http::Request& req, const http::Params& p, http::Reply reply) {
    auto o = store_->order(p.at("ref"));
    if (!o) return reply(failure(o.status(), req));
    if (o->changes.empty()) return reply(error(bhttp::status::not_found, "unknown_reservation", "no reservation \"" + p.at("ref") + "\"", req));
    reply(json_response(bhttp::status::ok, order_json(p.at("ref"), *o), req));
  }));
  router_.add(bhttp::verb::delete_, "/v1/reservations/{ref}", operator_only([this](const http::Request& req, const http::Params& p, http::Reply reply) {
    act_on_order(req, p.at("ref"), "release", std::move(reply));
  }));
  router_.add(bhttp::verb::post, "/v1/reservations/{ref}/pick", operator_only([this](const http::Request& req, const http::Params& p, http::Reply reply) {
    act_on_order(req, p.at("ref"), "pick", std::move(reply));
  }));
  router_.add(bhttp::verb::get, "/v1/changes/{id}", viewer([this](const http::Request& req, const http::Params& p, http::Reply reply) {
    const std::string& text = p.at("id");
    if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) {
      return reply(error(bhttp::status::not_found, "unknown_change", "no change " + text, req));
    }
    auto c = store_->change(std::stoull(text));
    if (!c) return reply(failure(c.status(), req));
    if (!*c) return reply(error(bhttp::status::not_found, "unknown_change", "no change " + text, req));
    reply(json_response(bhttp::status::ok, change_json(**c), req));
  }));
  add_fleet_routes();
}

json change_json(const Change& c) {
  json stores = json::array();
  std::map<std::string, int> counts = {{"pending", 0}, {"applied", 0}, {"quarantined", 0}};
  for (const ChangeStore& s : c.stores) {
    json row = standing(s);
    ++counts[row["status"].get<std::string>()];
    stores.push_back(std::move(row));
  }
  return json{{"change_id", c.id}, {"kind", c.kind}, {"at", c.at}, {"summary", counts}, {"stores", stores}};
}

}  // namespace posd::hq
