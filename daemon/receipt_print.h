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

// A closure as printed (a Z, or a monthly or yearly closure): its title,
// day, receipts first to last, totals, the grand total, and its anchor
// (journal seq and the full hash, as text and as a QR code
// "posd-anchor:<store>:<seq>:<hash>") for `posctl journal verify --anchor
// SEQ:HASH` against the journal or an export.
std::string closure_escpos(const nlohmann::json& closure, const std::string& store_id);
// "Z 12", "Month 2026-11 (closure 3)", "Year 2026 (closure 1)".
std::string closure_title(const nlohmann::json& closure);

}  // namespace posd
