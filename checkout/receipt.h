// The plain-text receipt of a sale (40 columns, as a receipt printer prints
// it), rebuilt from the sale's record: it can always be printed again.
#pragma once

#include <string>

#include "checkout/records.h"

namespace posd {

std::string receipt_text(const Sale& sale, const std::string& store_id);

// 1234 → "12.34" (two minor digits; the store's currency decides the sign).
std::string format_minor(int64_t minor);

}  // namespace posd
