// Checkout's operators: signing on with a PIN (checked off the event loop),
// taking a lane over, locking it, signing off, and approvals by PIN.
#include <boost/asio/post.hpp>

#include "base/loop_post.h"
#include "base/json_fields.h"
#include "base/log.h"
#include "base/pin.h"
#include "checkout/checkout.h"
#include "storage/store_tables.h"

namespace posd {

using json = nlohmann::json;

namespace {

constexpr int64_t kTriesBeforeLockout = 5;

int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string utc_of_ms(int64_t ms) {
  return format_utc(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

json session_json(const std::string& terminal, const OperatorSession& s) {
  return {{"terminal", terminal}, {"operator", s.id}, {"name", s.name}, {"role", to_string(s.role)}, {"locked", s.locked}};
}

}  // namespace

const OperatorSession* Checkout::session_of(const std::string& terminal) const {
  auto it = sessions_.find(terminal);
  return it == sessions_.end() ? nullptr : &it->second;
}

const OperatorSession* Checkout::current_session(const std::string& terminal) {
  auto it = sessions_.find(terminal);
  if (it == sessions_.end()) return nullptr;
  auto row = operators::find(reader_, it->second.id);
  if (!row) return &it->second;  // the database cannot say: the session stands as it was
  const auto role = *row ? role_named((*row)->role) : std::nullopt;
  if (!*row || !role) {
    log::get("checkout")->warn("operator {} at {} is no longer provisioned: signed off", it->second.id, terminal);
    sessions_.erase(it);
    return nullptr;
  }
  it->second.role = *role;
  it->second.name = (*row)->name;
  return &it->second;
}

Outcome Checkout::session(const Caller& c) const {
  const OperatorSession* s = session_of(c.terminal);
  if (!s) return Outcome::success({{"terminal", c.terminal}, {"operator", nullptr}});
  return Outcome::success(session_json(c.terminal, *s));
}

void Checkout::check_pin(const Caller& c, const std::string& id, const std::string& pin, Approved done) {
  auto row = operators::find(reader_, id);
  if (!row) return done(Outcome::from(row.status()), {});
  if (!*row) return done(Outcome::error(Why::not_found, "operator_not_found", "no operator has the id " + id), {});
  const operators::Row op = **row;
  const int64_t now = unix_ms(clock_.now());
  if (op.locked_until > now) {
    return done(Outcome::error(Why::permission_denied, "operator_locked",
                               "operator " + id + " is locked until " + utc_of_ms(op.locked_until) + " after " +
                                   std::to_string(kTriesBeforeLockout) + " wrong PINs"),
                {});
  }
  auto role = role_named(op.role);
  if (!role) return done(Outcome::from(Status::corruption("operator " + id + " has a role posd does not know")), {});
  boost::asio::post(pins_, [this, c, op, pin, role = *role, done = std::move(done)]() mutable {
    const bool right = pin_matches(pin, op.pin_hash);
    loop_post(ioc_, [this, c, op, right, role, done = std::move(done)]() mutable {
      const OperatorSession who{op.id, op.name, role, false};
      const int64_t lockout_ms = rules_.operator_lockout_minutes * 60'000;
      // Decided in the database, one check after another: tries at two lanes
      // add up, and a right PIN checked in parallel with the fifth wrong one
      // finds the operator locked.
      write(Caller{c.terminal, false, "", "", Role::cashier},
            [id = op.id, right, lockout_ms, now = unix_ms(clock_.now()), terminal = c.terminal](WriteContext& ctx, std::vector<Entry>& entries) {
              auto row = operators::find(ctx.db, id);
              if (!row) return Outcome::from(row.status());
              if (!*row) return Outcome::error(Why::not_found, "operator_not_found", "no operator has the id " + id);
              if ((*row)->locked_until > now) {
                return Outcome::error(Why::permission_denied, "operator_locked",
                                      "operator " + id + " is locked until " + utc_of_ms((*row)->locked_until) + " after " +
                                          std::to_string(kTriesBeforeLockout) + " wrong PINs");
              }
              if (right) {
                if ((*row)->failed != 0 || (*row)->locked_until != 0) {
                  if (Status s = operators::set_failures(ctx.db, id, 0, 0); !s) return Outcome::from(s);
                }
                return Outcome::success(json::object());
              }
              const int64_t failed = (*row)->failed + 1;
              const bool lock = failed >= kTriesBeforeLockout;
              const int64_t until = lock ? now + lockout_ms : 0;
              if (Status s = operators::set_failures(ctx.db, id, lock ? 0 : failed, until); !s) return Outcome::from(s);
              if (lock) {
                entries.push_back({"operator_locked", {{"operator", id}, {"terminal", terminal}, {"until", utc_of_ms(until)},
                                                       {"wrong_pins", failed}}});
              }
              return Outcome::success({{"failed", failed}, {"locked", lock}});
            },
            nullptr, [id = op.id, right, who, done = std::move(done)](Outcome o) {
              if (!o.ok()) return done(o, {});
              if (right) return done(o, who);
              if (o.body["locked"].get<bool>()) {
                log::get("checkout")->warn("operator {} locked after {} wrong PINs", id, kTriesBeforeLockout);
                return done(Outcome::error(Why::permission_denied, "operator_locked",
                                           "wrong PIN: operator " + id + " is now locked after " +
                                               std::to_string(kTriesBeforeLockout) + " wrong PINs"),
                            {});
              }
              const int64_t left = kTriesBeforeLockout - o.body["failed"].get<int64_t>();
              done(Outcome::error(Why::permission_denied, "pin_wrong",
                                  "wrong PIN for operator " + id + ": " + std::to_string(left) + " more before the operator is locked"),
                   {});
            });
    });
  });
}

void Checkout::sign_on(const Caller& c, const json& body, Done done) {
  std::string id, pin;
  try {
    Fields f(body, "");
    id = f.string("operator");
    pin = f.string("pin");
    f.no_unknown_keys();
    if (!valid_pin(pin)) throw FieldError{"pin", "must be 4 to 8 digits"};
  } catch (const FieldError& e) {
    return done(Outcome::error(Why::invalid_argument, "invalid_request", e.message()));
  }
  check_pin(c, id, pin, [this, c, done = std::move(done)](Outcome o, OperatorSession who) {
    if (!o.ok()) return done(o);
    const OperatorSession* was = session_of(c.terminal);
    const std::string from = was ? was->id : "";
    Caller as{c.terminal, false, "", who.id, who.role};
    write(as,
          [terminal = c.terminal, who, from](WriteContext& ctx, std::vector<Entry>& entries) {
            json record = {{"terminal", terminal}, {"operator", who.id}, {"role", to_string(who.role)}};
            if (!from.empty()) record["from"] = from;
            entries.push_back({from.empty() ? "operator_signed_on" : "operator_took_over", record});
            record["seq"] = ctx.next_seq;
            return Outcome::success(record);
          },
          nullptr, [this, terminal = c.terminal, who, done = std::move(done)](Outcome o) {
            if (o.ok()) {
              sessions_[terminal] = who;
              o.body = session_json(terminal, who);
              emit(terminal, {{"type", "operator"}, {"session", o.body}});
            }
            done(o);
          });
  });
}

void Checkout::sign_off(const Caller& c, Done done) {
  const OperatorSession* s = session_of(c.terminal);
  if (!s) return done(Outcome::error(Why::conflict, "no_operator", "no operator is signed on at " + c.terminal));
  if (s->locked) {
    return done(Outcome::error(Why::conflict, "lane_locked", "the lane is locked: its operator's PIN opens it, or another operator signs on"));
  }
  write(c,
        [terminal = c.terminal, id = s->id](WriteContext&, std::vector<Entry>& entries) {
          entries.push_back({"operator_signed_off", {{"terminal", terminal}, {"operator", id}}});
          return Outcome::success({{"terminal", terminal}, {"operator", nullptr}});
        },
        nullptr, [this, terminal = c.terminal, done = std::move(done)](Outcome o) {
          if (o.ok()) {
            sessions_.erase(terminal);
            emit(terminal, {{"type", "operator"}, {"session", o.body}});
          }
          done(o);
        });
}

void Checkout::lock(const Caller& c, Done done) {
  const OperatorSession* s = session_of(c.terminal);
  if (!s) return done(Outcome::error(Why::conflict, "no_operator", "no operator is signed on at " + c.terminal));
  if (s->locked) return done(Outcome::error(Why::conflict, "lane_locked", "the lane is locked already"));
  write(c,
        [terminal = c.terminal, id = s->id](WriteContext&, std::vector<Entry>& entries) {
          entries.push_back({"lane_locked", {{"terminal", terminal}, {"operator", id}}});
          return Outcome::success(json::object());
        },
        nullptr, [this, terminal = c.terminal, done = std::move(done)](Outcome o) {
          auto it = sessions_.find(terminal);
          if (o.ok() && it != sessions_.end()) {
            it->second.locked = true;
            o.body = session_json(terminal, it->second);
            emit(terminal, {{"type", "operator"}, {"session", o.body}});
          }
          done(o);
        });
}

void Checkout::unlock(const Caller& c, const json& body, Done done) {
  const OperatorSession* s = session_of(c.terminal);
  if (!s || !s->locked) return done(Outcome::error(Why::conflict, "lane_not_locked", "the lane is not locked"));
  std::string pin;
  try {
    Fields f(body, "");
    pin = f.string("pin");
    f.no_unknown_keys();
    if (!valid_pin(pin)) throw FieldError{"pin", "must be 4 to 8 digits"};
  } catch (const FieldError& e) {
    return done(Outcome::error(Why::invalid_argument, "invalid_request", e.message()));
  }
  check_pin(c, s->id, pin, [this, c, done = std::move(done)](Outcome o, OperatorSession who) {
    if (!o.ok()) return done(o);
    Caller as{c.terminal, false, "", who.id, who.role};
    write(as,
          [terminal = c.terminal, id = who.id](WriteContext&, std::vector<Entry>& entries) {
            entries.push_back({"lane_unlocked", {{"terminal", terminal}, {"operator", id}}});
            return Outcome::success(json::object());
          },
          nullptr, [this, terminal = c.terminal, id = who.id, done = std::move(done)](Outcome o) {
            auto it = sessions_.find(terminal);
            if (o.ok() && it != sessions_.end() && it->second.id == id) {
              it->second.locked = false;
              o.body = session_json(terminal, it->second);
              emit(terminal, {{"type", "operator"}, {"session", o.body}});
            }
            done(o);
          });
  });
}

void Checkout::approve(const Caller& c, const std::string& op, const std::string& pin, Approved done) {
  if (!valid_pin(pin)) return done(Outcome::error(Why::invalid_argument, "invalid_request", "X-Approver-Pin: must be 4 to 8 digits"), {});
  check_pin(c, op, pin, [op, done = std::move(done)](Outcome o, OperatorSession who) {
    if (!o.ok()) return done(o, {});
    if (who.role == Role::cashier) {
      return done(Outcome::error(Why::permission_denied, "approver_not_supervisor",
                                 "operator " + op + " is a cashier: an approval needs a supervisor or a manager"),
                  {});
    }
    done(o, who);
  });
}

}  // namespace posd
