#include "daemon/api.h"

#include <algorithm>
#include <cctype>

#include "base/json_text.h"
#include "base/log.h"
#include "daemon/http_status.h"
#include "daemon/openapi.h"
#include "base/clock.h"
#include "base/digest.h"
#include "base/json_fields.h"
#include "storage/sales.h"
#include "sync/down_log.h"

namespace posd {

namespace bhttp = http::bhttp;
using json = nlohmann::json;

namespace {

constexpr size_t kRememberedMax = 10000;

// The HQ link as /v1/status shows it.
json hq_status(const sync::SyncFigures& f) {
  json j = {{"configured", true}, {"link", f.link}, {"acked_seq", f.hq_acked_seq}, {"backlog", f.journal_seq - std::min(f.journal_seq, f.hq_acked_seq)},
            {"applied_hq_seq", f.hq_applied_seq}, {"quarantined", f.quarantined}, {"rewinds", f.rewinds},
            {"ignored_messages", f.garbage}, {"last_ack", nullptr},
            {"seconds_since_ack", nullptr}};
  if (f.last_ack) {
    j["last_ack"] = format_utc(*f.last_ack);
    j["seconds_since_ack"] = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *f.last_ack).count();
  }
  return j;
}

// A body's Content-Type that posd reads as JSON: none given, application/json
// or any application/…+json, with parameters (charset) allowed.
bool is_json_type(std::string_view type) {
  if (type.empty()) return true;
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  std::string t(type);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return t == "application/json" || (t.rfind("application/", 0) == 0 && t.size() > 17 && t.ends_with("+json"));
}

http::Response text_response(int status, const std::string& type, std::string body) {
  http::Response res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, type);
  res.set(bhttp::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace

http::Response to_response(const Outcome& o) {
  return text_response(http_status(o), "application/json", o.text_of());
}

Api::Api(Checkout& checkout, const Terminals& terminals, Metrics* metrics)
    : checkout_(checkout), terminals_(terminals), metrics_(metrics) {
  add_routes();
  if (metrics_) {
    router_.set_observer([m = metrics_](const std::string& method, const std::string& route, int status, double s) {
      m->request(method, route, status, s);
    });
  }
}

Outcome Api::readiness() {
  constexpr auto kStuck = std::chrono::seconds(10);
  auto probe = checkout_.reader().query_int("SELECT COUNT(*) FROM counter");
  if (!probe) return Outcome::error(Why::unavailable, "not_ready", "the database does not answer: " + probe.status().message());
  const Journal& j = checkout_.journal();
  if (Status broken = j.halted(); !broken) {
    return Outcome::error(Why::unavailable, "journal_broken", broken.message() + "; reads still work");
  }
  if (j.disk_full() || checkout_.basket_store().disk_full()) {
    return Outcome::error(Why::unavailable, "disk_full", "the disk is full: sales are refused until space returns; reads still work");
  }
  if (checkout_.basket_store().sync_failing()) {
    return Outcome::error(Why::unavailable, "not_ready", "the open baskets cannot be synced to disk: a power cut would lose more than the last 200 ms of them");
  }
  if (const auto stalled = j.stalled(); stalled > kStuck) {
    return Outcome::error(Why::unavailable, "not_ready", "the journal writer has made no progress for " +
                                                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(stalled).count()) +
                                                " s with " + std::to_string(j.queued()) + " more writes queued");
  }
  return Outcome::success({{"ready", true}, {"journal_seq", j.last_seq()}});
}

http::Handler Api::handler() {
  return [this](const http::Request& req, http::Reply reply) { router_(req, std::move(reply)); };
}

http::Route Api::authed(Authed route) {
  return [this, route = std::move(route)](const http::Request& req, const http::Params& params, http::Reply reply) {
    const TerminalConfig* t = terminals_.authenticate(req[bhttp::field::authorization]);
    if (!t) {
      // The token itself is never logged, right or wrong.
      log::get("api")->warn("{} {}: no valid terminal token", std::string(req.method_string()), params.empty() ? std::string(req.target().substr(0, req.target().find('?'))) : "(route with parameters)");
      auto res = to_response(Outcome::error(Why::unauthenticated, "unauthorized", "a terminal's bearer token is required"));
      res.set(bhttp::field::www_authenticate, "Bearer");
      return reply(std::move(res));
    }
    Caller c{t->id, t->role == Role::supervisor, t->role == Role::supervisor ? t->id : "", "", t->role};
    // An operator signed on at the terminal acts in their own role.
    // What a lane may ask while locked or with nobody signed on (worked out
    // only then: not on every scan).
    const auto session_free = [&req] {
      const std::string path(req.target().substr(0, req.target().find('?')));
      return path.rfind("/v1/operator", 0) == 0 || path == "/metrics" || (path == "/v1/status" && req.method() == bhttp::verb::get);
    };
    if (const OperatorSession* s = checkout_.current_session(t->id)) {
      if (s->locked && !session_free()) {
        return reply(to_response(Outcome::error(Why::conflict, "lane_locked", "the lane is locked: its operator's PIN (POST /v1/operator/unlock) or another's sign-on opens it")));
      }
      c.operator_id = s->id;
      c.role = s->role;
      c.supervisor = s->role != Role::cashier;
      c.approver = c.supervisor ? s->id : "";
    } else if (checkout_.rules().operators_required && !session_free()) {
      return reply(to_response(Outcome::error(Why::permission_denied, "operator_required", "an operator must sign on at this lane first (POST /v1/operator/sign-on)")));
    }
    const auto override_token = req["X-Supervisor-Token"];
    if (!override_token.empty() && !c.supervisor) {
      const TerminalConfig* s = terminals_.authenticate("Bearer " + std::string(override_token));
      if (!s || s->role != Role::supervisor) {
        return reply(to_response(Outcome::error(Why::permission_denied, "supervisor_token_invalid", "X-Supervisor-Token is not a supervisor's token")));
      }
      c.supervisor = true;
      c.approver = s->id;
    }
    // An approval by a supervisor's or manager's operator id and PIN: the
    // PIN is checked off the loop, so the request waits (a copy of it).
    const auto approver = req["X-Approver-Id"];
    if (!approver.empty() && !c.supervisor) {
      auto copy = std::make_shared<http::Request>(req);
      checkout_.approve(c, std::string(approver), std::string(req["X-Approver-Pin"]),
                        [this, route, copy, params, c, reply = std::move(reply)](Outcome o, OperatorSession who) mutable {
                          if (!o.ok()) return reply(to_response(o));
                          // The lane as it is now: locked or taken over during the check.
                          const OperatorSession* now = checkout_.current_session(c.terminal);
                          if (now && now->locked) {
                            return reply(to_response(Outcome::error(Why::conflict, "lane_locked", "the lane was locked during the approval")));
                          }
                          if ((now ? now->id : std::string()) != c.operator_id) {
                            return reply(to_response(Outcome::error(Why::conflict, "operator_changed", "another operator took the lane over during the approval: ask again")));
                          }
                          c.supervisor = true;
                          c.approver = who.id;
                          if (c.role == Role::cashier) c.role = who.role;
                          // Outside the server's guard now: a fault answers this request only.
                          try {
                            sql::ReadSnapshot snapshot(checkout_.reader());
                            route(*copy, params, c, reply);
                          } catch (const std::exception& e) {
                            log::get("api")->error("{} answered 500 after an approval: {}", std::string(copy->method_string()), e.what());
                            reply(to_response(Outcome::error(Why::io_error, "internal", "the request failed inside posd")));
                          } catch (...) {
                            log::get("api")->error("{} answered 500 after an approval", std::string(copy->method_string()));
                            reply(to_response(Outcome::error(Why::io_error, "internal", "the request failed inside posd")));
                          }
                        });
      return;
    }
    // What the request reads, it reads from one snapshot of the journal.
    sql::ReadSnapshot snapshot(checkout_.reader());
    route(req, params, c, std::move(reply));
  };
}

std::optional<Outcome> Api::read_body(const http::Request& req, const std::string& scanned_key, const Caller& c,
                                     json& body) {
  body = json::object();
  if (!req.body().empty() && !is_json_type(req[bhttp::field::content_type])) {
    return Outcome::error(Why::unsupported, "unsupported_media_type", "the request body must be application/json");
  }
  if (!req.body().empty()) {
    // A repeated key ({"amount":1,"amount":900}) means one thing to us and
    // another to a first-wins reader of the journal or a proxy's log.
    auto parsed = parse_json(req.body());
    if (!parsed) {
      const bool duplicate = parsed.status().message().rfind("duplicate key", 0) == 0;
      return Outcome::error(Why::invalid_argument, duplicate ? "duplicate_key" : "malformed_json",
                            duplicate ? "the request body repeats a key: " + parsed.status().message()
                                      : "the request body is not valid JSON");
    }
    body = std::move(*parsed);
  }
  // PCI DSS: a full card number never enters the node, whatever key or free
  // text carries it; it is neither kept, logged nor echoed. A scanned code is
  // a barcode (GTINs and GS1 strings are long digit runs), not free text.
  bool card = false;
  if (!scanned_key.empty() && body.is_object()) {
    const auto& fields = body.get_ref<const json::object_t&>();
    card = std::any_of(fields.begin(), fields.end(), [&](const auto& kv) {
      return kv.first != scanned_key && (looks_like_card_number(kv.first) || carries_card_number(kv.second));
    });
  } else {
    card = carries_card_number(body);
  }
  if (!card) return std::nullopt;
  log::get("api")->warn("{}: refused a request carrying what looks like a card number (neither kept nor logged)", c.terminal);
  return Outcome::error(Why::refused, "card_number_refused",
                        "the request carries what looks like a full card number; send only the "
                        "payment terminal's approval reference and the masked PAN");
}

std::optional<Outcome> Api::earlier_answer(const IdemKey& idem, const std::string& slot) {
  if (auto it = remembered_.find(slot); it != remembered_.end()) {
    if (it->second.request != idem.request) return Outcome::idempotency_key_reused();
    if (it->second.in_flight) {
      return Outcome::error(Why::conflict, "request_in_progress", "the first request with this Idempotency-Key is still running");
    }
    Outcome again = it->second.outcome;
    again.replayed = true;
    return again;
  }
  // Answers of journaled writes outlive a restart.
  auto stored = idempotency::find(checkout_.reader(), idem.terminal, idem.key);
  if (stored && *stored) {
    if ((*stored)->request != idem.request) return Outcome::idempotency_key_reused();
    return checkout_.replay(**stored);
  }
  return std::nullopt;
}

http::Route Api::mutating(Mutating route, std::string scanned_key) {
  return authed([this, route = std::move(route), scanned_key](const http::Request& req, const http::Params& params,
                                                 const Caller& c, http::Reply reply) {
    json body;
    if (auto refused = read_body(req, scanned_key, c, body)) return reply(to_response(*refused));
    const std::string key(req["Idempotency-Key"]);
    if (key.empty()) {
      return route(params, body, c, nullptr, [reply](Outcome o) { reply(to_response(o)); });
    }
    if (key.size() > 128 || !std::all_of(key.begin(), key.end(), [](char ch) { return ch > 0x20 && ch < 0x7f; })) {
      return reply(to_response(Outcome::error(Why::invalid_argument, "invalid_request", "Idempotency-Key: 1 to 128 visible ASCII characters")));
    }
    IdemKey idem{c.terminal, key,
                 to_hex(sha256(std::string(req.method_string()) + " " + std::string(req.target()) + "\n" + req.body()))};
    const std::string slot = c.terminal + "\n" + key;
    if (auto earlier = earlier_answer(idem, slot)) return reply(to_response(*earlier));
    remembered_[slot] = Remembered{idem.request, true, Outcome{}};
    remembered_order_.push_back(slot);
    while (remembered_order_.size() > kRememberedMax) {
      auto old = remembered_.find(remembered_order_.front());
      if (old != remembered_.end() && !old->second.in_flight) remembered_.erase(old);
      remembered_order_.pop_front();
    }
    try {
      route(params, body, c, &idem, [this, slot, reply](Outcome o) {
        auto it = remembered_.find(slot);
        if (it != remembered_.end()) {
          // A server failure may succeed when retried; any other answer is final.
          if (http_status(o) >= 500) {
            remembered_.erase(it);
          } else {
            it->second.in_flight = false;
            it->second.outcome = o;
          }
        }
        reply(to_response(o));
      });
    } catch (...) {
      remembered_.erase(slot);  // the server answers 500; a retry runs again
      throw;
    }
  });
}

// Over 60 lines: the route table, one route per entry (docs/openapi.yaml).
void Api::add_routes() {
  using P = http::Params;
  auto get = [this](const std::string& path, std::function<Outcome(const P&, const Caller&)> f) {
    router_.add(bhttp::verb::get, path, authed([f](const http::Request&, const P& p, const Caller& c, http::Reply reply) {
                  reply(to_response(f(p, c)));
                }));
  };
  // A read answered later, from beside the loop: `f` calls its Done on the loop.
  auto get_later = [this](const std::string& path, std::function<void(const P&, const Caller&, Done)> f) {
    router_.add(bhttp::verb::get, path, authed([f](const http::Request&, const P& p, const Caller& c, http::Reply reply) {
                  f(p, c, [reply = std::move(reply)](Outcome o) { reply(to_response(o)); });
                }));
  };
  // Synchronous mutations (baskets in memory) still go through `mutating` for
  // the body and the Idempotency-Key.
  auto post = [this](bhttp::verb verb, const std::string& path, Mutating f, std::string scanned_key = {}) {
    router_.add(verb, path, mutating(std::move(f), std::move(scanned_key)));
  };
  auto now = [](std::function<Outcome(const P&, const json&, const Caller&)> f) -> Mutating {
    return [f](const P& p, const json& body, const Caller& c, const IdemKey*, Done done) { done(f(p, body, c)); };
  };
  Checkout& co = checkout_;

  router_.add(bhttp::verb::get, "/healthz", [](const http::Request&, const P&, http::Reply reply) {
    reply(to_response(Outcome::success({{"status", "alive"}})));
  });
  router_.add(bhttp::verb::get, "/readyz", [this](const http::Request&, const P&, http::Reply reply) {
    reply(to_response(readiness()));
  });
  router_.add(bhttp::verb::get, "/metrics", authed([this](const http::Request&, const P&, const Caller&, http::Reply reply) {
    if (!metrics_) return reply(to_response(Outcome::error(Why::not_found, "not_found", "metrics are off")));
    if (server_figures_) metrics_->server(server_figures_());
    reply(text_response(200, "text/plain; version=0.0.4", metrics_->render(checkout_.journal(), checkout_.reader(), sync_,
                                                         devices_ ? devices_() : json::array())));
  }));
  router_.add(bhttp::verb::get, "/v1/openapi.yaml", [](const http::Request&, const P&, http::Reply reply) {
    reply(text_response(200, "application/yaml", std::string(openapi_yaml())));
  });
  // The browser lane and dashboard: public files; everything they show comes through /v1 with a token.
  auto page = [this](const std::string& path, const std::string& file) {
    router_.add(bhttp::verb::get, path, [this, file](const http::Request& req, const P&, http::Reply reply) {
      reply(web_.get(file, req));
    });
  };
  page("/", "lane.html");
  page("/dashboard", "dashboard.html");
  page("/verify", "verify.html");
  // The store's public key: public by nature, for checking receipts, exports and anchors.
  router_.add(bhttp::verb::get, "/v1/store/public-key", [this](const http::Request&, const P&, http::Reply reply) {
    reply(text_response(200, "application/x-pem-file", checkout_.journal().public_key().pem()));
  });
  router_.add(bhttp::verb::get, "/web/{file}", [this](const http::Request& req, const P& p, http::Reply reply) {
    reply(web_.get(p.at("file"), req));
  });
  get_later("/v1/status", [&co, this](const P&, const Caller& c, Done done) {
    co.journal().refresh();  // commits by posctl count too
    co.status([&co, this, c, done = std::move(done)](Outcome o) {
      // Back on the loop, outside the server's guard: a fault answers this request only.
      try {
        if (o.ok() && sync_) o.body["hq"] = hq_status(sync_->figures());
        if (o.ok()) o.body["devices"] = devices_ ? devices_() : json::array();
        if (o.ok()) {
          o.body["terminal"] = c.terminal;
          o.body["role"] = to_string(acting_role(c));
          if (!c.operator_id.empty()) o.body["operator"] = c.operator_id;
          o.body["denominations"] = co.rules().denominations;  // what a till is counted in
          if (auto till = tills::open_at(co.reader(), c.terminal); till && *till) o.body["till"] = (*till)->till;
        }
      } catch (const std::exception& e) {
        log::get("api")->error("GET /v1/status answered 500: {}", e.what());
        o = Outcome::error(Why::io_error, "internal", "the request failed inside posd");
      }
      done(std::move(o));
    });
  });
  get("/v1/items/{code}", [&co](const P& p, const Caller&) { return co.item(p.at("code")); });
  get("/v1/stock/{sku}", [&co](const P& p, const Caller&) { return co.stock(p.at("sku")); });
  get("/v1/baskets", [&co](const P&, const Caller& c) { return co.baskets(c); });
  get_later("/v1/low-stock", [&co](const P&, const Caller&, Done d) { co.low_stock(std::move(d)); });
  get("/v1/reason-codes", [&co](const P&, const Caller&) { return co.reason_codes_answer(); });
  get("/v1/hq/quarantine", [&co](const P&, const Caller&) {
    auto q = sync::recent_quarantine(co.reader(), 50);
    return q ? Outcome::success({{"entries", std::move(*q)}}) : Outcome::from(q.status());
  });
  get("/v1/baskets/{id}", [&co](const P& p, const Caller& c) { return co.basket(c, p.at("id")); });
  get("/v1/sales/{receipt_no}", [&co](const P& p, const Caller&) { return co.sale(p.at("receipt_no")); });
  // Read beside the loop: a busy day's X holds no lane.
  get_later("/v1/reports/x", [&co](const P&, const Caller&, Done d) { co.x_report(std::move(d)); });
  get("/v1/reports/closures", [&co](const P&, const Caller&) { return co.closures(); });
  // A copy, journaled and marked DUPLICATE: the original came with the sale.
  router_.add(bhttp::verb::get, "/v1/sales/{receipt_no}/receipt",
              authed([&co](const http::Request&, const P& p, const Caller& c, http::Reply reply) {
                co.receipt_copy(c, p.at("receipt_no"), [reply = std::move(reply)](Outcome o) {
                  reply(o.ok() ? text_response(200, "text/plain; charset=utf-8", o.body["text"].get<std::string>())
                               : to_response(o));
                });
              }));

  post(bhttp::verb::post, "/v1/baskets", now([&co](const P&, const json&, const Caller& c) { return co.create_basket(c); }));
  post(bhttp::verb::post, "/v1/baskets/{id}/lines",
       now([&co](const P& p, const json& b, const Caller& c) { return co.add_line(c, p.at("id"), b); }), "code");
  post(bhttp::verb::delete_, "/v1/baskets/{id}/lines/{n}",
       now([&co](const P& p, const json&, const Caller& c) { return co.remove_line(c, p.at("id"), p.at("n")); }));
  post(bhttp::verb::patch, "/v1/baskets/{id}/lines/{n}",
       now([&co](const P& p, const json& b, const Caller& c) { return co.change_line(c, p.at("id"), p.at("n"), b); }));
  post(bhttp::verb::put, "/v1/baskets/{id}/discount",
       now([&co](const P& p, const json& b, const Caller& c) { return co.set_discount(c, p.at("id"), b); }));
  post(bhttp::verb::delete_, "/v1/baskets/{id}/discount",
       now([&co](const P& p, const json&, const Caller& c) { return co.remove_discount(c, p.at("id")); }));
  post(bhttp::verb::put, "/v1/baskets/{id}/returns",
       now([&co](const P& p, const json& b, const Caller& c) { return co.set_exchange(c, p.at("id"), b); }));
  post(bhttp::verb::delete_, "/v1/baskets/{id}/returns",
       now([&co](const P& p, const json&, const Caller& c) { return co.remove_exchange(c, p.at("id")); }));
  post(bhttp::verb::post, "/v1/baskets/{id}/suspend",
       now([&co](const P& p, const json&, const Caller& c) { return co.suspend(c, p.at("id")); }));
  post(bhttp::verb::post, "/v1/baskets/{id}/resume",
       now([&co](const P& p, const json&, const Caller& c) { return co.resume(c, p.at("id")); }));
  post(bhttp::verb::post, "/v1/baskets/{id}/tenders",
       [&co](const P& p, const json& b, const Caller& c, const IdemKey*, Done d) { co.tender(c, p.at("id"), b, std::move(d)); });
  post(bhttp::verb::delete_, "/v1/baskets/{id}",
       [&co](const P& p, const json&, const Caller& c, const IdemKey* k, Done d) { co.cancel(c, p.at("id"), k, std::move(d)); });
  post(bhttp::verb::post, "/v1/baskets/{id}/complete",
       [&co](const P& p, const json&, const Caller& c, const IdemKey* k, Done d) { co.complete(c, p.at("id"), k, std::move(d)); });
  post(bhttp::verb::post, "/v1/sales/{receipt_no}/void",
       [&co](const P& p, const json& b, const Caller& c, const IdemKey* k, Done d) { co.void_sale(c, p.at("receipt_no"), b, k, std::move(d)); });
  post(bhttp::verb::post, "/v1/returns",
       [&co](const P&, const json& b, const Caller& c, const IdemKey* k, Done d) { co.return_items(c, b, k, std::move(d)); });
  post(bhttp::verb::post, "/v1/stock/movements",
       [&co](const P&, const json& b, const Caller& c, const IdemKey* k, Done d) { co.stock_movement(c, b, k, std::move(d)); });
  post(bhttp::verb::post, "/v1/reports/z",
       [&co](const P&, const json&, const Caller& c, const IdemKey* k, Done d) { co.z_report(c, k, std::move(d)); });
  post(bhttp::verb::post, "/v1/reports/closures",
       [&co](const P&, const json&, const Caller& c, const IdemKey* k, Done d) { co.close_periods(c, k, std::move(d)); });
  post(bhttp::verb::post, "/v1/sales/{receipt_no}/reprint",
       [&co](const P& p, const json&, const Caller& c, const IdemKey* k, Done d) { co.reprint(c, p.at("receipt_no"), k, std::move(d)); });
  get("/v1/operator", [&co](const P&, const Caller& c) { return co.session(c); });
  get_later("/v1/tills/{till}", [&co](const P& p, const Caller& c, Done d) { co.till(c, p.at("till"), std::move(d)); });
  post(bhttp::verb::post, "/v1/tills",
       [&co](const P&, const json& b, const Caller& c, const IdemKey* k, Done d) { co.open_till(c, b, k, std::move(d)); });
  post(bhttp::verb::post, "/v1/tills/{till}/movements",
       [&co](const P& p, const json& b, const Caller& c, const IdemKey* k, Done d) { co.move_till_cash(c, p.at("till"), b, k, std::move(d)); });
  post(bhttp::verb::post, "/v1/tills/{till}/close",
       [&co](const P& p, const json& b, const Caller& c, const IdemKey* k, Done d) { co.close_till(c, p.at("till"), b, k, std::move(d)); });
  post(bhttp::verb::post, "/v1/operator/sign-on",
       [&co](const P&, const json& b, const Caller& c, const IdemKey*, Done d) { co.sign_on(c, b, std::move(d)); });
  post(bhttp::verb::post, "/v1/operator/sign-off",
       [&co](const P&, const json&, const Caller& c, const IdemKey*, Done d) { co.sign_off(c, std::move(d)); });
  post(bhttp::verb::post, "/v1/operator/lock",
       [&co](const P&, const json&, const Caller& c, const IdemKey*, Done d) { co.lock(c, std::move(d)); });
  post(bhttp::verb::post, "/v1/operator/unlock",
       [&co](const P&, const json& b, const Caller& c, const IdemKey*, Done d) { co.unlock(c, b, std::move(d)); });
  post(bhttp::verb::post, "/v1/drawer/open",
       [&co](const P&, const json& b, const Caller& c, const IdemKey* k, Done d) { co.no_sale(c, b, k, std::move(d)); });
}

}  // namespace posd
