// A sale's receipt as a receipt printer prints it.
#pragma once

#include <string>

#include "checkout/records.h"

namespace posd {

// The receipt (checkout/receipt.h) in ESC/POS for a receipt printer: the store in double
// size, the text, the receipt number as a QR code ("posd:<store>:<receipt>"),
// a partial cut. A copy (`copy` > 1) says DUPLICATE with its number at the
// top and the bottom in bold (fiscal rules forbid a second original).
// With a receipt code (checkout/receipt_code.h) the QR code is that code.
std::string receipt_escpos(const Sale& sale, const std::string& store_id, int64_t copy, const std::string& code = "");

// A Z closure as printed: its number, day, receipts first to last, totals,
// the grand total, and its anchor (journal seq and the full hash, as text
// and as a QR code "posd-anchor:<store>:<seq>:<hash>") for
// `posctl journal verify --anchor SEQ:HASH` against the journal or an export.
std::string z_escpos(const nlohmann::json& z, const std::string& store_id);

}  // namespace posd
