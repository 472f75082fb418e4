// The plain-text receipt of a sale (40 columns, as a receipt printer prints
// it), rebuilt from the sale's record: it can always be printed again.
#pragma once

#include <string>

#include "checkout/records.h"

namespace posd {

// `copy` 1 is the original; a later copy says "*** DUPLICATE copy N ***" at
// the top and the bottom (fiscal rules forbid a second original).
// `code` (checkout/receipt_code.h), when given, closes the receipt: the
// customer's and the inspector's proof, in 40-column lines.
std::string receipt_text(const Sale& sale, const std::string& store_id, int64_t copy = 1, const std::string& code = "");
// "*** DUPLICATE copy N ***"
std::string duplicate_mark(int64_t copy);

// 1234 → "12.34" (two minor digits; the store's currency decides the sign).
std::string format_minor(int64_t minor);

}  // namespace posd
