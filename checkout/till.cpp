#include "checkout/till.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "checkout/money.h"

namespace posd {

using json = nlohmann::json;

namespace {

constexpr std::array kMoves = {TillMove::paid_in, TillMove::paid_out, TillMove::drop, TillMove::pickup, TillMove::loan};

Status sum(int64_t& into, int64_t amount) {
  auto r = money::add(into, amount);
  if (!r) return Status::corruption("till figures overflow: a sum passed the largest amount");
  into = *r;
  return Status::ok();
}

int64_t int_of(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::string string_of(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

const char* to_string(TillMove m) {
  switch (m) {
    case TillMove::paid_in: return "paid_in";
    case TillMove::paid_out: return "paid_out";
    case TillMove::drop: return "drop";
    case TillMove::pickup: return "pickup";
    case TillMove::loan: return "loan";
  }
  return "unknown";
}

std::optional<TillMove> till_move_named(std::string_view name) {
  for (TillMove m : kMoves) {
    if (name == to_string(m)) return m;
  }
  return std::nullopt;
}

std::string till_move_names() {
  std::string out;
  for (TillMove m : kMoves) out += (out.empty() ? "" : ", ") + std::string(to_string(m));
  return out;
}

std::optional<ReasonUse> reason_use_of(TillMove m) {
  if (m == TillMove::paid_in) return ReasonUse::paid_in;
  if (m == TillMove::paid_out) return ReasonUse::paid_out;
  return std::nullopt;
}

int sign_of(TillMove m) { return m == TillMove::paid_in || m == TillMove::loan ? 1 : -1; }

int64_t TillFigures::expected() const {
  return float_amount + cash_sales - cash_refunds - voided_cash + paid_in - paid_out - drops - pickups + loans;
}

TillTally::TillTally(std::string till, std::string terminal, int64_t float_amount)
    : till_(std::move(till)), terminal_(std::move(terminal)) {
  f_.float_amount = float_amount;
}

int64_t cash_applied(const json& sale) {
  int64_t cash = 0;
  const auto tenders = sale.find("tenders");
  if (tenders == sale.end() || !tenders->is_array()) return 0;
  for (const json& t : *tenders) {
    if (string_of(t, "type") == "cash") cash += int_of(t, "applied");  // each ≤ the sale's total: no overflow
  }
  return cash;
}

Status TillTally::add(const std::string& type, const json& payload,
                      const std::function<Result<int64_t>(int64_t)>& voided_cash) {
  if (!payload.is_object()) return Status::ok();
  if (type == "till_movement") {
    if (string_of(payload, "till") != till_) return Status::ok();
    const auto move = till_move_named(string_of(payload, "type"));
    if (!move) return Status::corruption("a till_movement of no known type");
    const int64_t amount = int_of(payload, "amount");
    switch (*move) {
      case TillMove::paid_in: return sum(f_.paid_in, amount);
      case TillMove::paid_out: return sum(f_.paid_out, amount);
      case TillMove::drop: return sum(f_.drops, amount);
      case TillMove::pickup: return sum(f_.pickups, amount);
      case TillMove::loan: return sum(f_.loans, amount);
    }
    return Status::ok();
  }
  if (string_of(payload, "terminal") != terminal_) return Status::ok();
  if (type == "sale") return sum(f_.cash_sales, cash_applied(payload));
  if (type == "return") {
    int64_t cash = 0;
    const auto tenders = payload.find("tenders");
    if (tenders != payload.end() && tenders->is_array()) {
      for (const json& t : *tenders) {
        if (string_of(t, "type") == "cash") cash += int_of(t, "amount");
      }
    }
    return sum(f_.cash_refunds, cash);
  }
  if (type == "sale_voided") {
    auto cash = voided_cash(int_of(payload, "receipt_no"));
    if (!cash) return cash.status();
    return sum(f_.voided_cash, *cash);
  }
  return Status::ok();
}

json TillTally::to_json() const {
  return {{"float", f_.float_amount}, {"cash_sales", f_.cash_sales}, {"cash_refunds", f_.cash_refunds},
          {"voided_cash", f_.voided_cash}, {"paid_in", f_.paid_in},     {"paid_out", f_.paid_out},
          {"drops", f_.drops},             {"pickups", f_.pickups},       {"loans", f_.loans},
          {"expected", f_.expected()}};
}

Outcome count_total(const json& counted, const std::vector<int64_t>& denominations, int64_t& total) {
  if (!counted.is_object()) return Outcome::error(Why::invalid_argument, "invalid_request", "counted: must be an object of denomination → how many");
  if (denominations.empty()) {
    return Outcome::error(Why::conflict, "no_denominations", "the store has no denominations for its currency (configuration: denominations)");
  }
  total = 0;
  for (const auto& [key, n] : counted.items()) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), value);
    if (ec != std::errc{} || end != key.data() + key.size() ||
        std::find(denominations.begin(), denominations.end(), value) == denominations.end()) {
      std::string known;
      for (int64_t d : denominations) known += (known.empty() ? "" : ", ") + std::to_string(d);
      // Only a key of digits is echoed back.
      const bool digits = !key.empty() && key.size() <= 12 && key.find_first_not_of("0123456789") == std::string::npos;
      return Outcome::error(Why::refused, "unknown_denomination",
                            "counted: " + (digits ? key : std::string("a key")) + " is no denomination of the store's (" + known + ")");
    }
    if (!n.is_number_integer() || n.get<int64_t>() < 0 || n.get<int64_t>() > 1'000'000) {
      return Outcome::error(Why::invalid_argument, "invalid_request", "counted." + key + ": must be an integer from 0 to 1000000");
    }
    total += value * n.get<int64_t>();  // ≤ 10^6 × a note, a few dozen keys: no overflow
  }
  return Outcome::success(json::object());
}

std::vector<int64_t> default_denominations(const std::string& currency) {
  if (currency == "EUR") return {50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1};
  if (currency == "USD") return {10000, 5000, 2000, 1000, 500, 200, 100, 25, 10, 5, 1};
  if (currency == "GBP") return {5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1};
  if (currency == "CHF") return {100000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5};
  return {};
}

}  // namespace posd
