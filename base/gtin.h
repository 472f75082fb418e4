// GTINs (EAN-8, UPC-A, EAN-13, GTIN-14): the GS1 mod-10 check digit and the
// 14-digit normal form every barcode is looked up by. Pure functions, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace posd::barcode {

// The GS1 mod-10 check digit for `body` (digits only, without the check digit).
// nullopt when `body` is empty or holds a non-digit.
std::optional<char> gs1_check_digit(std::string_view body);

struct Gtin {
  std::string gtin14;  // left-padded with zeros to 14 digits
};

// Why a code is not a GTIN.
enum class GtinError { not_digits, bad_length, bad_check_digit };
const char* to_string(GtinError e);

// Accepts 8, 12, 13 or 14 digits with a correct check digit.
struct GtinResult {
  std::optional<Gtin> gtin;
  std::optional<GtinError> error;
};
GtinResult parse_gtin(std::string_view digits);

}  // namespace posd::barcode
