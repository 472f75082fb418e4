// What a scanner sent, understood: the symbology (from the AIM identifier
// "]E0", "]C1", "]d2", "]Q3", … when the scanner sends one, else from the
// data's shape), the GTIN in its 14-digit form with its check digit verified
// (UPC-E expanded first), GS1 application identifiers, a GS1 Digital Link
// URI's AIs, and the price or weight inside a variable-measure number under
// the store's region. Pure: no I/O, no clock (the year comes in).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "barcode/gs1.h"

namespace posd::barcode {

struct ScanOptions {
  std::string region{};   // ISO 3166 alpha-2 for variable-measure numbers; empty: none
  int minor_digits = 2;   // the currency's decimals
  int this_year = 2026;   // for two-digit years in GS1 dates
};

struct Scan {
  bool valid = false;
  std::string symbology;               // "EAN-13", "UPC-E", "GS1-128", "GS1 Digital Link", …
  std::optional<std::string> gtin;     // 14 digits
  ElementString ais;                   // application identifiers, when the code carries them
  std::optional<int64_t> price_minor;  // embedded price (variable measure, AI 392n/393n)
  std::optional<int64_t> weight_g;     // embedded weight (variable measure, AI 310n/320n)
  std::optional<int64_t> count;        // embedded count (variable measure)
  std::optional<Date> expiry;          // AI 17
  // What the catalog is searched by: the GTIN, a variable-measure number's
  // GTIN with its value zeroed, or the text itself (a SKU or in-house code).
  std::string lookup;
  std::string error;                   // why it is not valid; empty when valid
};

Scan read_scan(std::string_view data, const ScanOptions& options = {});

// UPC-E (8 digits: number system 0 or 1, six digits, check digit) expanded to
// its 12-digit UPC-A; nullopt when it is not one (the check digit is UPC-A's).
std::optional<std::string> expand_upce(std::string_view upce);

}  // namespace posd::barcode
