#include "base/gtin.h"

#include <algorithm>

namespace posd::barcode {

namespace {
bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
}  // namespace

std::optional<char> gs1_check_digit(std::string_view body) {
  if (!all_digits(body)) return std::nullopt;
  // Weights 3,1,3,1… from the rightmost digit of the body.
  int sum = 0;
  int weight = 3;
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    sum += (*it - '0') * weight;
    weight = 4 - weight;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

const char* to_string(GtinError e) {
  switch (e) {
    case GtinError::not_digits: return "a GTIN holds digits only";
    case GtinError::bad_length: return "a GTIN has 8, 12, 13 or 14 digits";
    case GtinError::bad_check_digit: return "bad check digit";
  }
  return "invalid GTIN";
}

GtinResult parse_gtin(std::string_view digits) {
  if (!all_digits(digits)) return {std::nullopt, GtinError::not_digits};
  const size_t n = digits.size();
  if (n != 8 && n != 12 && n != 13 && n != 14) return {std::nullopt, GtinError::bad_length};
  if (*gs1_check_digit(digits.substr(0, n - 1)) != digits.back()) {
    return {std::nullopt, GtinError::bad_check_digit};
  }
  return {Gtin{std::string(14 - n, '0') + std::string(digits)}, std::nullopt};
}

}  // namespace posd::barcode
