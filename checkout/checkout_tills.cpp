// Checkout's tills: opening one with a counted float, cash moved by hand,
// and the close with a count by denomination. Every figure is computed from
// the journal's events (checkout/till.h), inside the write that uses it.
#include "base/ids.h"
#include "base/json_fields.h"
#include "checkout/checkout.h"
#include "storage/sales.h"

namespace posd {

using json = nlohmann::json;

namespace {

Outcome till_not_open(const std::string& till) {
  return Outcome::error(Why::conflict, "till_not_open", "till " + till + " is not open (closed already, or never opened)");
}

// The till's own lane, or a supervisor.
Outcome may_handle(const Caller& c, const tills::Session& s) {
  if (c.terminal == s.terminal || c.supervisor) return Outcome::success(json::object());
  return Outcome::error(Why::permission_denied, "supervisor_required",
                        "till " + s.till + " is lane " + s.terminal + "'s: another lane needs a supervisor");
}

// An open till this caller may handle, with its figures so far.
struct HandledTill {
  tills::Session session;
  TillTally tally;
};

// Inside a write: the till's open session, checked for this caller, and
// its figures; or why not (`err`).
std::optional<HandledTill> handled_till(sql::Db& db, const Caller& c, const std::string& till, Outcome& err) {
  auto open = tills::open_of(db, till);
  if (!open) err = Outcome::from(open.status());
  else if (!*open) err = till_not_open(till);
  else err = may_handle(c, **open);
  if (!err.ok()) return std::nullopt;
  auto tally = till_figures(db, **open);
  if (!tally) {
    err = Outcome::from(tally.status());
    return std::nullopt;
  }
  return HandledTill{**open, std::move(*tally)};
}

}  // namespace

Result<TillTally> till_figures(sql::Db& db, const tills::Session& s) {
  TillTally tally(s.till, s.terminal, s.float_amount);
  const auto voided_cash = [&db](int64_t receipt_no) -> Result<int64_t> {
    auto sale = sales::get(db, receipt_no);
    if (!sale) return sale.status();
    return *sale ? cash_applied((*sale)->body) : 0;
  };
  Status st = scan_journal(db, static_cast<uint64_t>(s.opened_seq) + 1, [&](const Event& e) {
    if (s.closed_seq != 0 && e.seq >= static_cast<uint64_t>(s.closed_seq)) return Status::ok();
    return tally.add(e.type, e.payload, voided_cash);
  });
  if (!st) return st;
  return tally;
}

void Checkout::open_till(const Caller& c, const json& body, const IdemKey* idem, Done done) {
  std::string till;
  json counted;
  try {
    Fields f(body, "");
    till = f.string("till");
    counted = *f.find("float", true);
    f.no_unknown_keys();
    if (!valid_id(till, 32)) throw FieldError{"till", "must be 1 to 32 letters, digits, '-', '_' or '.'"};
  } catch (const FieldError& e) {
    return done(Outcome::error(Why::invalid_argument, "invalid_request", e.message()));
  }
  int64_t float_amount = 0;
  if (Outcome o = count_total(counted, rules_.denominations, float_amount); !o.ok()) return done(o);
  write(c,
        [till, counted, float_amount, terminal = c.terminal](WriteContext& ctx, std::vector<Entry>& entries) {
          auto open = tills::open_of(ctx.db, till);
          if (!open) return Outcome::from(open.status());
          if (*open) return Outcome::error(Why::conflict, "till_open", "till " + till + " is open already, at lane " + (*open)->terminal);
          auto here = tills::open_at(ctx.db, terminal);
          if (!here) return Outcome::from(here.status());
          if (*here) return Outcome::error(Why::conflict, "lane_has_till", "lane " + terminal + " has till " + (*here)->till + " open");
          if (Status s = tills::open(ctx.db, till, terminal, ctx.next_seq, float_amount); !s) return Outcome::from(s);
          json record = {{"till", till}, {"terminal", terminal}, {"float", float_amount}, {"counted", counted}};
          entries.push_back({"till_opened", record});
          record["seq"] = ctx.next_seq;
          return Outcome::made(record);
        },
        idem, std::move(done));
}

void Checkout::move_till_cash(const Caller& c, const std::string& till, const json& body, const IdemKey* idem, Done done) {
  TillMove move{};
  int64_t amount = 0;
  std::optional<std::string> reason;
  try {
    Fields f(body, "");
    const std::string type = f.string("type");
    amount = f.integer("amount", 1, money::kMaxAmount);
    reason = f.optional_string("reason");
    f.no_unknown_keys();
    const auto named = till_move_named(type);
    if (!named) throw FieldError{"type", "must be one of " + till_move_names()};
    move = *named;
  } catch (const FieldError& e) {
    return done(Outcome::error(Why::invalid_argument, "invalid_request", e.message()));
  }
  if (const auto use = reason_use_of(move)) {
    if (Outcome o = need_reason(*use, reason); !o.ok()) return done(o);
  } else if (reason) {
    return done(Outcome::error(Why::invalid_argument, "invalid_request", std::string("reason: a ") + to_string(move) + " takes none"));
  }
  write(c,
        [c, till, move, amount, reason, blind = rules_.blind_close](WriteContext& ctx, std::vector<Entry>& entries) {
          Outcome err;
          auto t = handled_till(ctx.db, c, till, err);
          if (!t) return err;
          const int64_t expected = t->tally.figures().expected();
          if (sign_of(move) < 0 && amount > expected) {
            // Closing blind, not even a refusal says what the till should hold.
            return Outcome::error(Why::conflict, "till_short",
                                  std::string("a ") + to_string(move) + " of " + std::to_string(amount) + " is more than till " + till +
                                      " should hold" + (blind ? "" : " (" + std::to_string(expected) + ")"));
          }
          json record = {{"till", till}, {"terminal", t->session.terminal}, {"type", to_string(move)}, {"amount", amount}};
          if (reason) record["reason"] = *reason;
          if (c.terminal != t->session.terminal) record["by"] = c.terminal;
          if (!c.approver.empty()) record["approved_by"] = c.approver;
          entries.push_back({"till_movement", record});
          record["seq"] = ctx.next_seq;
          return Outcome::made(record);
        },
        idem, std::move(done));
}

void Checkout::close_till(const Caller& c, const std::string& till, const json& body, const IdemKey* idem, Done done) {
  json counted;
  try {
    Fields f(body, "");
    counted = *f.find("counted", true);
    f.no_unknown_keys();
  } catch (const FieldError& e) {
    return done(Outcome::error(Why::invalid_argument, "invalid_request", e.message()));
  }
  int64_t total = 0;
  if (Outcome o = count_total(counted, rules_.denominations, total); !o.ok()) return done(o);
  write(c,
        [c, till, counted, total](WriteContext& ctx, std::vector<Entry>& entries) {
          Outcome err;
          auto t = handled_till(ctx.db, c, till, err);
          if (!t) return err;
          const int64_t expected = t->tally.figures().expected();
          json record = {{"till", till}, {"terminal", t->session.terminal}, {"opened_seq", t->session.opened_seq},
                         {"figures", t->tally.to_json()}, {"expected", expected}, {"counted", counted},
                         {"counted_total", total}, {"over_short", total - expected}};
          if (c.terminal != t->session.terminal) record["by"] = c.terminal;
          if (Status s = tills::close(ctx.db, t->session.id, ctx.next_seq, expected, total); !s) return Outcome::from(s);
          entries.push_back({"till_closed", record});
          record["seq"] = ctx.next_seq;
          return Outcome::made(record);
        },
        idem, std::move(done));
}

void Checkout::till(const Caller&, const std::string& till, Done done) {
  read_beside(
      [till, blind = rules_.blind_close](sql::Db& db) {
        auto open = tills::open_of(db, till);
        if (!open) return Outcome::from(open.status());
        if (!*open) return till_not_open(till);
        auto tally = till_figures(db, **open);
        if (!tally) return Outcome::from(tally.status());
        json out = {{"till", till}, {"terminal", (*open)->terminal}, {"opened_seq", (*open)->opened_seq}};
        if (!blind) out["figures"] = tally->to_json();  // blind: the count comes first
        return Outcome::success(std::move(out));
      },
      std::move(done));
}

}  // namespace posd
