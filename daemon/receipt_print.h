// A sale's receipt as a receipt printer prints it.
#pragma once

#include <string>

#include "checkout/records.h"

namespace posd {

// The receipt (checkout/receipt.h) in ESC/POS for a receipt printer: the store in double
// size, the text, the receipt number as a QR code ("posd:<store>:<receipt>"),
// a partial cut. A copy (`copy` > 1) says DUPLICATE with its number at the
// top and the bottom in bold (fiscal rules forbid a second original).
std::string receipt_escpos(const Sale& sale, const std::string& store_id, int64_t copy);

}  // namespace posd
