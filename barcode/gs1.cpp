#include "barcode/gs1.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "base/gtin.h"

namespace posd::barcode {

namespace {

enum class Check { none, mod10, date };

// One AI (or a family: "310" with ai_len 4 is 3100…3109). `fixed` data
// length, or up to `max` ending at GS; `numeric` data or any GS1 character.
struct AiSpec {
  std::string_view key;
  int ai_len;
  int fixed;
  int max;
  bool numeric;
  Check check;
};

// The AIs posd meets on goods; from the GS1 General Specifications, section 3.
constexpr std::array kAis = {
    AiSpec{"00", 2, 18, 18, true, Check::mod10},   // SSCC
    AiSpec{"01", 2, 14, 14, true, Check::mod10},   // GTIN
    AiSpec{"02", 2, 14, 14, true, Check::mod10},   // GTIN of contained items
    AiSpec{"10", 2, 0, 20, false, Check::none},    // batch/lot
    AiSpec{"11", 2, 6, 6, true, Check::date},      // production date
    AiSpec{"12", 2, 6, 6, true, Check::date},      // due date
    AiSpec{"13", 2, 6, 6, true, Check::date},      // packaging date
    AiSpec{"15", 2, 6, 6, true, Check::date},      // best before
    AiSpec{"16", 2, 6, 6, true, Check::date},      // sell by
    AiSpec{"17", 2, 6, 6, true, Check::date},      // expiry
    AiSpec{"20", 2, 2, 2, true, Check::none},      // variant
    AiSpec{"21", 2, 0, 20, false, Check::none},    // serial
    AiSpec{"22", 2, 0, 20, false, Check::none},    // consumer product variant
    AiSpec{"30", 2, 0, 8, true, Check::none},      // variable count
    AiSpec{"37", 2, 0, 8, true, Check::none},      // count of trade items
    AiSpec{"240", 3, 0, 30, false, Check::none},   // additional product id
    AiSpec{"241", 3, 0, 30, false, Check::none},   // customer part number
    AiSpec{"250", 3, 0, 30, false, Check::none},   // secondary serial
    AiSpec{"251", 3, 0, 30, false, Check::none},   // reference to source entity
    AiSpec{"254", 3, 0, 20, false, Check::none},   // GLN extension
    AiSpec{"400", 3, 0, 30, false, Check::none},   // customer's order number
    AiSpec{"410", 3, 13, 13, true, Check::mod10},  // ship to GLN
    AiSpec{"414", 3, 13, 13, true, Check::mod10},  // physical location GLN
    AiSpec{"422", 3, 3, 3, true, Check::none},     // country of origin
    AiSpec{"310", 4, 6, 6, true, Check::none},     // net weight, kg
    AiSpec{"311", 4, 6, 6, true, Check::none},     // length, m
    AiSpec{"312", 4, 6, 6, true, Check::none},
    AiSpec{"313", 4, 6, 6, true, Check::none},
    AiSpec{"314", 4, 6, 6, true, Check::none},
    AiSpec{"315", 4, 6, 6, true, Check::none},     // net volume, l
    AiSpec{"316", 4, 6, 6, true, Check::none},     // net volume, m3
    AiSpec{"320", 4, 6, 6, true, Check::none},     // net weight, lb
    AiSpec{"330", 4, 6, 6, true, Check::none},     // gross weight, kg
    AiSpec{"390", 4, 0, 15, true, Check::none},    // amount payable, local currency
    AiSpec{"391", 4, 0, 18, true, Check::none},    // amount payable, ISO currency
    AiSpec{"392", 4, 0, 15, true, Check::none},    // amount payable, single area
    AiSpec{"393", 4, 0, 18, true, Check::none},    // amount payable, ISO currency + amount
    AiSpec{"7003", 4, 10, 10, true, Check::none},  // expiration date and time
    AiSpec{"8200", 4, 0, 70, false, Check::none},  // product URL
    AiSpec{"90", 2, 0, 30, false, Check::none},    // internal (90–99)
    AiSpec{"91", 2, 0, 90, false, Check::none},
    AiSpec{"92", 2, 0, 90, false, Check::none},
    AiSpec{"93", 2, 0, 90, false, Check::none},
    AiSpec{"94", 2, 0, 90, false, Check::none},
    AiSpec{"95", 2, 0, 90, false, Check::none},
    AiSpec{"96", 2, 0, 90, false, Check::none},
    AiSpec{"97", 2, 0, 90, false, Check::none},
    AiSpec{"98", 2, 0, 90, false, Check::none},
    AiSpec{"99", 2, 0, 90, false, Check::none},
};

// The spec whose AI starts `data`, or nullptr.
const AiSpec* find_ai(std::string_view data) {
  for (size_t len = 2; len <= 4; ++len) {
    if (data.size() < len) return nullptr;
    for (const AiSpec& s : kAis) {
      if (s.key.size() == len && data.substr(0, len) == s.key) return &s;
    }
  }
  return nullptr;
}

bool digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// GS1's character set 82: printable ASCII without space and a few symbols.
bool gs1_chars(std::string_view s) {
  static constexpr std::string_view kAllowed =
      "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
  return std::all_of(s.begin(), s.end(), [](char c) { return kAllowed.find(c) != std::string_view::npos; });
}

int days_in(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Checks one AI's value; an error text or empty.
std::string check_value(const AiSpec& spec, const std::string& ai, const std::string& value) {
  const std::string where = "AI " + ai + ": ";
  if (value.empty()) return where + "no data";
  if (spec.fixed && static_cast<int>(value.size()) != spec.fixed) {
    return where + "must have " + std::to_string(spec.fixed) + " characters";
  }
  if (static_cast<int>(value.size()) > spec.max) return where + "longer than " + std::to_string(spec.max) + " characters";
  if (spec.numeric && !digits(value)) return where + "digits only";
  if (!spec.numeric && !gs1_chars(value)) return where + "a character outside GS1's set";
  if (spec.check == Check::mod10 && *gs1_check_digit(std::string_view(value).substr(0, value.size() - 1)) != value.back()) {
    return where + "bad check digit";
  }
  if (spec.check == Check::date && !parse_date(value, 2000)) return where + "not a valid date YYMMDD";
  if ((ai.rfind("393", 0) == 0 || ai.rfind("391", 0) == 0) && value.size() < 4) return where + "currency and amount";
  return {};
}

}  // namespace

std::optional<Date> parse_date(std::string_view s, int this_year) {
  if (s.size() != 6 || !digits(s)) return std::nullopt;
  const int yy = (s[0] - '0') * 10 + (s[1] - '0');
  const int mm = (s[2] - '0') * 10 + (s[3] - '0');
  const int dd = (s[4] - '0') * 10 + (s[5] - '0');
  if (mm < 1 || mm > 12) return std::nullopt;
  // GS1 General Specifications 7.12: the century puts the year within
  // 49 years back and 50 years ahead of this year.
  const int century = this_year / 100 * 100;
  int year = century + yy;
  if (year - this_year > 50) year -= 100;
  else if (this_year - year > 49) year += 100;
  const int last = days_in(year, mm);
  if (dd > last) return std::nullopt;
  return Date{year, mm, dd == 0 ? last : dd};
}

Gs1Result parse_element_string(std::string_view data) {
  Gs1Result r;
  size_t i = 0;
  while (i < data.size()) {
    if (data[i] == kGroupSeparator) {  // a leading or doubled FNC1
      ++i;
      continue;
    }
    const AiSpec* spec = find_ai(data.substr(i));
    if (!spec) {
      r.error = "unknown AI at \"" + shown(data.substr(i, 4)) + "\"";
      return r;
    }
    const std::string ai(data.substr(i, static_cast<size_t>(spec->ai_len)));
    if (spec->ai_len == 4 && !digits(ai)) {
      r.error = "unknown AI at \"" + shown(ai) + "\"";
      return r;
    }
    i += ai.size();
    size_t end;
    if (spec->fixed) {
      end = std::min(data.size(), i + static_cast<size_t>(spec->fixed));
    } else {
      end = data.find(kGroupSeparator, i);
      if (end == std::string_view::npos) end = data.size();
    }
    std::string value(data.substr(i, end - i));
    if (std::string e = check_value(*spec, ai, value); !e.empty()) {
      r.error = e;
      return r;
    }
    if (r.ais.count(ai)) {
      r.error = "AI " + ai + ": given twice";
      return r;
    }
    r.ais[ai] = std::move(value);
    i = end;
  }
  if (r.ais.empty()) r.error = "no application identifier";
  return r;
}

Gs1Result parse_bracketed(std::string_view data) {
  std::string flat;
  size_t i = 0;
  while (i < data.size()) {
    if (data[i] != '(') return {{}, "expected \"(\" at position " + std::to_string(i)};
    size_t close = data.find(')', i);
    if (close == std::string_view::npos) return {{}, "an AI without \")\""};
    std::string_view ai = data.substr(i + 1, close - i - 1);
    size_t next = data.find('(', close);
    if (next == std::string_view::npos) next = data.size();
    if (!flat.empty()) flat += kGroupSeparator;
    flat += ai;
    flat += data.substr(close + 1, next - close - 1);
    // The bracket must hold exactly one whole AI.
    const AiSpec* spec = find_ai(ai);
    if (!spec || static_cast<int>(ai.size()) != spec->ai_len) {
      return {{}, "unknown AI (" + shown(ai) + ")"};
    }
    i = next;
  }
  return parse_element_string(flat);
}

std::optional<int64_t> weight_grams(const ElementString& ais) {
  for (const auto& [ai, value] : ais) {
    const bool kg = ai.rfind("310", 0) == 0, lb = ai.rfind("320", 0) == 0;
    if (!kg && !lb) continue;
    const int decimals = ai[3] - '0';
    int64_t v = std::stoll(value);
    int64_t scale = 1;
    for (int d = 0; d < decimals; ++d) scale *= 10;
    // kg: v / 10^n kg = v * 1000 / 10^n g. lb: 1 lb = 453.59237 g exactly.
    const int64_t num = kg ? v * 1000 : v * 45359237;
    const int64_t den = kg ? scale : scale * 100000;
    return (num + den / 2) / den;
  }
  return std::nullopt;
}

std::optional<int64_t> price_minor(const ElementString& ais, int minor_digits) {
  for (const auto& [ai, value] : ais) {
    const bool single = ai.rfind("392", 0) == 0, iso = ai.rfind("393", 0) == 0;
    if (!single && !iso) continue;
    const int decimals = ai[3] - '0';
    const std::string amount = iso ? value.substr(3) : value;
    if (amount.empty() || amount.size() > 15) return std::nullopt;
    int64_t v = std::stoll(amount);
    for (int d = decimals; d < minor_digits; ++d) v *= 10;
    int64_t div = 1;  // more decimals than the currency has: round half up once
    for (int d = minor_digits; d < decimals; ++d) div *= 10;
    return (v + div / 2) / div;
  }
  return std::nullopt;
}

std::string shown(std::string_view data) {
  std::string out(data);
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

}  // namespace posd::barcode
