// Tills (cash drawers): what moves cash in or out between a till's opening
// and its close, and the count by denomination. A till's figures come from
// the journal's events alone (its opening, then every event of its lane that
// moves cash, then its own movements), so anyone with the export recomputes
// them. Pure: the events and the denominations come in.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/reason_use.h"
#include "base/status.h"
#include "checkout/outcome.h"

namespace posd {

// Cash moved by hand: paid in (+), paid out (−), a drop into the safe (−), a
// pickup by a supervisor (−), a loan of change from the safe (+).
enum class TillMove { paid_in, paid_out, drop, pickup, loan };
const char* to_string(TillMove m);
std::optional<TillMove> till_move_named(std::string_view name);
std::string till_move_names();
// The reason use a movement's reason is checked against (paid in, paid out), if any.
std::optional<ReasonUse> reason_use_of(TillMove m);
// +1 for what puts cash in, −1 for what takes it out.
int sign_of(TillMove m);

struct TillFigures {
  int64_t float_amount = 0;
  int64_t cash_sales = 0;    // cash applied at sales (handed over less change)
  int64_t cash_refunds = 0;  // cash given back at returns (and exchanges)
  int64_t voided_cash = 0;   // cash given back for sales voided at the lane
  int64_t paid_in = 0, paid_out = 0, drops = 0, pickups = 0, loans = 0;
  // float + sales − refunds − voids + paid in − paid out − drops − pickups + loans
  int64_t expected() const;
};

class TillTally {
 public:
  TillTally(std::string till, std::string terminal, int64_t float_amount);
  // One journal event after the till's opening. `voided_cash(receipt_no)`:
  // the cash the voided sale had taken. Corruption when a sum overflows.
  Status add(const std::string& type, const nlohmann::json& payload,
             const std::function<Result<int64_t>(int64_t receipt_no)>& voided_cash);
  const TillFigures& figures() const { return f_; }
  // {float, cash_sales, cash_refunds, voided_cash, paid_in, paid_out, drops, pickups, loans, expected}
  nlohmann::json to_json() const;

 private:
  std::string till_, terminal_;
  TillFigures f_;
};

// The cash a sale's tenders took (applied), from its stored JSON.
int64_t cash_applied(const nlohmann::json& sale);

// A count by denomination ({"5000": 2, "200": 7}: minor units → how many):
// its total, or 400 invalid_request / 422 unknown_denomination naming it.
Outcome count_total(const nlohmann::json& counted, const std::vector<int64_t>& denominations, int64_t& total);

// The notes and coins of a currency, largest first (EUR, USD, GBP, CHF);
// empty for one posd does not know (the configuration then gives them).
std::vector<int64_t> default_denominations(const std::string& currency);

}  // namespace posd
