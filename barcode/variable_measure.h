// Restricted-circulation numbers with a price or weight inside (GTIN-13 with
// prefix 02 or 20–29, printed by scales and at the deli). Which digits are
// the item and which the value, the value's decimals, and whether a price
// check digit guards it differ by country: each GS1 Member Organisation's
// scheme is a row of data in variable_measure.cpp, selected by the store's
// region. Adding a country is adding its rows. No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace posd::barcode {

enum class Measure { price, weight, count };

// One prefix of one region's scheme. `layout` covers the 12 digits before
// the GTIN check digit: P the item (with the prefix), C the price check
// digit, V the value. The value has `decimals` decimals: a price in the
// currency's main unit, a weight in kilograms.
struct MeasureRule {
  std::string_view region;  // ISO 3166 alpha-2: DE, GB, SE, DK, NO, FI, …
  std::string_view prefix;  // "20" … "29", "02"
  Measure measure;
  std::string_view layout;
  int decimals;
};

struct Measured {
  Measure measure = Measure::price;
  int64_t value = 0;         // price in minor units, weight in grams, or a count
  std::string lookup_gtin;   // 14 digits: the code with its value zeroed, as the catalog lists the item
  std::string error;         // "price check digit 3, expected 9", …
};

// The regions with a scheme, e.g. {"DE", "DK", "FI", "GB", "NO", "SE"}.
std::vector<std::string> measure_regions();

// When `gtin13` is a variable-measure number under `region`'s scheme: what it
// holds (minor units for a currency with `minor_digits` decimals). nullopt
// when the region has no rule for its prefix (it is then an ordinary GTIN).
std::optional<Measured> read_measure(std::string_view gtin13, std::string_view region, int minor_digits = 2);

// GS1 General Specifications 7.9.3/7.9.4: the check digit of a 4- or 5-digit
// price (or weight) field; nullopt for another length.
std::optional<char> price_check_digit(std::string_view value);

}  // namespace posd::barcode
