// GS1 element strings (GS1-128, GS1 DataBar, GS1 DataMatrix, GS1 QR): the
// application identifiers (AIs) a scanner sends, with FNC1 as GS (0x1D)
// ending a variable-length field, or in the bracketed human form
// "(01)09506000134352(17)251231(10)ABC". Each AI's length and format come
// from a table (gs1.cpp); check digits and dates are verified. No I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace posd::barcode {

// AI → value, in AI order.
using ElementString = std::map<std::string, std::string>;

struct Gs1Result {
  ElementString ais;
  std::string error;  // empty when valid: "AI 17: month 13", "unknown AI 99x", …
};

inline constexpr char kGroupSeparator = '\x1d';

// Element string data after the symbology identifier (FNC1 = GS).
Gs1Result parse_element_string(std::string_view data);
// The bracketed form: "(01)…(10)…".
Gs1Result parse_bracketed(std::string_view data);

// A GS1 date YYMMDD as {year, month, day}; DD = 00 means the month's last
// day. The century follows GS1's rule: within 49 years back and 50 ahead of
// `this_year`.
struct Date {
  int year = 0, month = 0, day = 0;
  auto operator<=>(const Date&) const = default;
};
std::optional<Date> parse_date(std::string_view yymmdd, int this_year);

// Net weight in grams from AI 310n (kg) or 320n (lb), rounded to the gram.
std::optional<int64_t> weight_grams(const ElementString& ais);
// The amount payable in minor units from AI 392n or 393n (a currency with
// `minor_digits` decimals), rounded half up; nullopt when absent.
std::optional<int64_t> price_minor(const ElementString& ais, int minor_digits = 2);

// `data` as an error message may quote it: printable ASCII kept, any other
// byte shown as '?', so that a message never holds half a character.
std::string shown(std::string_view data);

}  // namespace posd::barcode
