// A basket being rung up at a lane: its lines, its tenders, and the rules of
// paying. Lives in the daemon's memory until completed (then it is a sale in
// the journal) or cancelled. Pure: no I/O; the catalog's data comes in.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_writer.h"
#include "base/role_limits.h"
#include "checkout/outcome.h"
#include "checkout/pricing.h"
#include "checkout/reasons.h"
#include "checkout/refund.h"
#include "checkout/tender.h"

namespace posd {

// Who acts: a terminal's role (cashier, supervisor), or the role of the
// operator signed on at it (cashier, supervisor, manager).
enum class Role { cashier, supervisor, manager };
const char* to_string(Role r);
std::optional<Role> role_named(std::string_view name);


struct StoreRules {
  std::string currency = "EUR";
  bool prices_include_tax = true;
  int64_t cash_rounding = 1;  // minor units; 5 rounds cash payments to 0.05
  std::string barcode_region{};  // whose variable-measure scheme scale labels follow (DE, GB, …)
  int64_t label_price_ceiling = 100'000;  // a label price above this (minor units) needs a supervisor
  size_t max_basket_lines = 500;          // lines one basket may hold
  size_t max_open_baskets = 20;           // baskets one terminal may hold at once (open or suspended)
  bool z_before_next_day = false;         // a day's Z before the next business day's first sale or return
  // What each role may do alone; beyond it, a supervisor's approval on the
  // request (docs/configuration.md, "role_limits"). HQ's, when it sent
  // some, are read from the database over these.
  RoleLimitSet limits_by_role;
  std::vector<ReasonCode> reason_codes;   // the configuration file's (HQ's are in the database)
  const RoleLimits& limits(Role r) const {
    return r == Role::manager ? limits_by_role.manager : r == Role::supervisor ? limits_by_role.supervisor : limits_by_role.cashier;
  }
  int64_t operator_lockout_minutes = 15;  // after 5 wrong PINs in a row
  std::vector<int64_t> denominations;     // the notes and coins a till is counted in, largest first
  bool blind_close = false;               // a till's expected cash is not shown before its count
  bool operators_required = false;        // lanes sell only with an operator signed on
};

// A manual discount as given: how much, why (a reason code), who approved
// it (a supervisor; empty when within the giver's own limit), and the
// limit it was given under, which later changes to the basket must keep.
struct GivenDiscount {
  ManualDiscount value;
  std::string reason;
  std::string approved_by;
  int64_t limit_bp = 0;
  bool given() const { return value.given(); }
};

struct BasketLine {
  LineInput input;
  std::string name;
  bool age_restricted = false;
  std::optional<int64_t> catalog_price;  // set when the price was overridden
  std::string approved_by;               // the supervisor terminal of an override
  std::string reason;                    // the override's reason code, if any
  GivenDiscount discount;                // a manual discount on this line
};

struct Tender {
  TenderType type = TenderType::cash;
  int64_t amount = 0;      // what was handed over (cash may exceed what was due)
  int64_t applied = 0;     // what it paid of the basket
  std::string reference;   // the field its rules name (a card's approval_ref, a voucher's code)
  std::string masked_pan;  // when its rules say so: "************1234"
};

// Lines a customer brings back from one earlier sale in the same basket (an
// exchange), refunded at what was paid for them (checkout/refund.h) and
// credited against the basket's new lines.
struct Exchange {
  int64_t receipt_no = 0;
  std::vector<ReturnAsked> asked;  // as the lane named them
  std::vector<ReturnLine> lines;   // their refunds, as of when they were named
  std::string reason;              // a return reason code, if the store has them
  int64_t credit() const;
};

struct Basket {
  enum class State { open, suspended, completing };
  std::string id;
  std::string terminal;
  State state = State::open;
  std::vector<BasketLine> lines;
  std::vector<Tender> tenders;
  std::vector<nlohmann::json> removed;  // lines taken off: {sku, name, unit_price, qty|weight_g}
  GivenDiscount discount;               // a manual discount on the whole basket
  std::optional<Exchange> exchange;     // lines brought back, credited against the new ones
  uint64_t version = 0;  // +1 on every change: a terminal keeps the newest of the states it hears
  int64_t rounding = 0;  // cash rounding applied to the final cash payment (may be negative)
  std::chrono::steady_clock::time_point created{};  // set by whoever opens it, from its clock
  std::chrono::steady_clock::time_point touched = created;  // last use

  PricedBasket price(const std::vector<Promotion>& promotions, const StoreRules& rules) const;
  int64_t paid() const;
  int64_t change() const;
  // What the exchange's lines credit (0 with none).
  int64_t credit() const { return exchange ? exchange->credit() : 0; }
  // What is still owed: total + rounding − credit − paid, never below 0.
  int64_t due(const PricedBasket& priced) const;
  // Of the credit, what pays the new lines (the rest goes back to the customer).
  int64_t credit_applied(const PricedBasket& priced) const { return std::min(credit(), priced.total); }
  // The basket as the API answers it, as JSON text in canonical form, written
  // in one pass (every scan answers it); to_json is the same as a document.
  std::string answer_text(const PricedBasket& priced, const StoreRules& rules) const;
  nlohmann::json to_json(const PricedBasket& priced, const StoreRules& rules) const;
  // The record a tender keeps with the journal (Checkout::tender): the
  // answer, with the terminal, and the basket's kept state (basket_state.h,
  // as text) in place of its state's name.
  std::string tender_record_text(const PricedBasket& priced, const StoreRules& rules, std::string_view kept) const;

 private:
  void write_answer(JsonWriter& w, const PricedBasket& priced, const StoreRules& rules, const std::string_view* kept) const;
};

const char* to_string(Basket::State s);

// A manual discount above the limit it was given under (403
// discount_over_limit, naming it), or ok.
Outcome check_discount_limits(const Basket& b, const PricedBasket& priced);

// 422 discount_too_large when the manual discount of an amount on line
// `which` (0-based; the basket's when `which` is its line count) is more
// than what it is taken from; ok otherwise.
Outcome amount_fits(const Basket& b, const PricedBasket& priced, size_t which);

// 409 basket_not_open, naming the state the basket is in.
Outcome not_open(const Basket& b);

// Checks and applies a tender body ({"type", "amount", ...}) to `b`. On error,
// `b` is unchanged. Bodies reach it already screened for card numbers (the
// API screens every mutating body in one place, Api::mutating).
Outcome add_tender(Basket& b, const nlohmann::json& body, const PricedBasket& priced, const StoreRules& rules);

// True when `text` holds a run of 13–19 digits that passes the Luhn check: a
// full card number. Digits are joined across any separators ("4111.1111…",
// "5500/0055/…", no-break spaces) and read in full-width, Arabic-Indic and
// Devanagari forms too; only an ASCII letter ends a run. Integers are
// amounts, not text.
bool looks_like_card_number(std::string_view text);
// True when any string or object key anywhere in `j` looks like a card number.
bool carries_card_number(const nlohmann::json& j);
// "************1234", "411111******1111", "1234": at most the first 6 and the
// last 4 digits shown, the rest masked with * (or X).
bool is_masked_pan(std::string_view s);

}  // namespace posd
