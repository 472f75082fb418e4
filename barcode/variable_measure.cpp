#include "barcode/variable_measure.h"

#include <array>
#include <set>

#include "base/gtin.h"

namespace posd::barcode {

namespace {

// The published schemes. Sources, per region:
//   DE  GS1 Germany, "Globale Artikelnummer GTIN in der Anwendung" (22/23 price,
//       25/26 count, 28/29 weight; a price check digit before 5 value digits)
//   GB  GS1 UK, "How to barcode variable measure items" (20: price in pence,
//       4 digits after a price verifier)
//   SE  GS1 Sweden, "How do I create my variable weight numbers" (20–22 price
//       with 2/1/0 decimals, 23–25 weight with 3/2/1 decimals)
//   DK  GS1 Denmark, "GTIN-13 pris" and "GTIN-13 vægt"
//   FI  GS1 Finland, "How to identify a product: GTIN" (23–25 weight)
//   NO  GS1 Norway publishes none; Norwegian scale labels follow the Swedish
//       layout, which is what is here.
constexpr std::array kRules = {
    MeasureRule{"DE", "22", Measure::price, "PPPPPPCVVVVV", 2},
    MeasureRule{"DE", "23", Measure::price, "PPPPPPCVVVVV", 2},
    MeasureRule{"DE", "25", Measure::count, "PPPPPPCVVVVV", 0},
    MeasureRule{"DE", "26", Measure::count, "PPPPPPCVVVVV", 0},
    MeasureRule{"DE", "28", Measure::weight, "PPPPPPCVVVVV", 3},
    MeasureRule{"DE", "29", Measure::weight, "PPPPPPCVVVVV", 3},
    MeasureRule{"GB", "20", Measure::price, "PPPPPPPCVVVV", 2},
    MeasureRule{"SE", "20", Measure::price, "PPPPPPPPVVVV", 2},
    MeasureRule{"SE", "21", Measure::price, "PPPPPPPPVVVV", 1},
    MeasureRule{"SE", "22", Measure::price, "PPPPPPPPVVVV", 0},
    MeasureRule{"SE", "23", Measure::weight, "PPPPPPPPVVVV", 3},
    MeasureRule{"SE", "24", Measure::weight, "PPPPPPPPVVVV", 2},
    MeasureRule{"SE", "25", Measure::weight, "PPPPPPPPVVVV", 1},
    MeasureRule{"NO", "20", Measure::price, "PPPPPPPPVVVV", 2},
    MeasureRule{"NO", "21", Measure::price, "PPPPPPPPVVVV", 1},
    MeasureRule{"NO", "22", Measure::price, "PPPPPPPPVVVV", 0},
    MeasureRule{"NO", "23", Measure::weight, "PPPPPPPPVVVV", 3},
    MeasureRule{"NO", "24", Measure::weight, "PPPPPPPPVVVV", 2},
    MeasureRule{"NO", "25", Measure::weight, "PPPPPPPPVVVV", 1},
    MeasureRule{"DK", "21", Measure::price, "PPPPPPVVVVVV", 2},
    MeasureRule{"DK", "22", Measure::price, "PPPPPPVVVVVV", 2},
    MeasureRule{"DK", "23", Measure::price, "PPPPPPVVVVVV", 2},
    MeasureRule{"DK", "24", Measure::price, "PPPPPPVVVVVV", 2},
    MeasureRule{"DK", "26", Measure::weight, "PPPPPPVVVVVV", 3},
    MeasureRule{"DK", "27", Measure::weight, "PPPPPPPVVVVV", 3},
    MeasureRule{"DK", "28", Measure::weight, "PPPPPPVVVVVV", 3},
    MeasureRule{"FI", "23", Measure::weight, "PPPPPPPPVVVV", 3},
    MeasureRule{"FI", "24", Measure::weight, "PPPPPPPPVVVV", 2},
    MeasureRule{"FI", "25", Measure::weight, "PPPPPPPPVVVV", 1},
};

// GS1 General Specifications 7.9.2: the weighting factors' products.
constexpr int kTwoMinus[] = {0, 2, 4, 6, 8, 9, 1, 3, 5, 7};
constexpr int kThree[] = {0, 3, 6, 9, 2, 5, 8, 1, 4, 7};
constexpr int kFivePlus[] = {0, 5, 1, 6, 2, 7, 3, 8, 4, 9};
constexpr int kFiveMinus[] = {0, 5, 9, 4, 8, 3, 7, 2, 6, 1};

int64_t pow10(int n) {
  int64_t v = 1;
  while (n-- > 0) v *= 10;
  return v;
}

}  // namespace

std::optional<char> price_check_digit(std::string_view v) {
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  auto d = [&](size_t i) { return v[i] - '0'; };
  if (v.size() == 4) {
    const int sum = kTwoMinus[d(0)] + kTwoMinus[d(1)] + kThree[d(2)] + kFiveMinus[d(3)];
    return static_cast<char>('0' + sum * 3 % 10);
  }
  if (v.size() == 5) {
    const int sum = kFivePlus[d(0)] + kTwoMinus[d(1)] + kFiveMinus[d(2)] + kFivePlus[d(3)] + kTwoMinus[d(4)];
    const int target = (10 - sum % 10) % 10;
    for (int c = 0; c < 10; ++c) {
      if (kFiveMinus[c] == target) return static_cast<char>('0' + c);
    }
  }
  return std::nullopt;
}

std::vector<std::string> measure_regions() {
  std::set<std::string> out;
  for (const MeasureRule& r : kRules) out.insert(std::string(r.region));
  return {out.begin(), out.end()};
}

std::optional<Measured> read_measure(std::string_view gtin13, std::string_view region, int minor_digits) {
  if (gtin13.size() != 13) return std::nullopt;
  const MeasureRule* rule = nullptr;
  for (const MeasureRule& r : kRules) {
    if (r.region == region && gtin13.substr(0, r.prefix.size()) == r.prefix) rule = &r;
  }
  if (!rule) return std::nullopt;
  Measured m;
  m.measure = rule->measure;
  const auto first_v = rule->layout.find('V'), last_v = rule->layout.rfind('V');
  const std::string value(gtin13.substr(first_v, last_v - first_v + 1));
  const int64_t raw = std::stoll(value);
  switch (rule->measure) {
    case Measure::price:
      m.value = rule->decimals <= minor_digits ? raw * pow10(minor_digits - rule->decimals)
                                               : (raw + pow10(rule->decimals - minor_digits) / 2) / pow10(rule->decimals - minor_digits);
      break;
    case Measure::weight: m.value = raw * pow10(3 - rule->decimals); break;  // grams
    case Measure::count: m.value = raw; break;
  }
  std::string zeroed(gtin13.substr(0, 12));
  for (size_t i = first_v; i <= last_v; ++i) zeroed[i] = '0';
  if (auto c = rule->layout.find('C'); c != std::string_view::npos) {
    const char expected = *price_check_digit(value);
    if (gtin13[c] != expected) {
      m.error = std::string("price check digit ") + gtin13[c] + ", expected " + expected;
    }
    zeroed[c] = *price_check_digit(std::string(value.size(), '0'));
  }
  m.lookup_gtin = "0" + zeroed + *gs1_check_digit(zeroed);
  return m;
}

}  // namespace posd::barcode
