// A receipt's verification code: what a customer or an inspector checks with
// nothing but the store's public key (`posctl receipt verify`):
//   posd1:<store_id>:<receipt_no>:<seq>:<business_day>:<total>:<currency>:<signature>
// The signature (Ed25519 by the store key, 128 lower-case hex) covers
// SHA-256("posd receipt\n" + everything before ":<signature>"). An altered
// amount, number or day, or another store's key, fails; the seq names the
// journal event that holds the whole sale.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "checkout/records.h"
#include "storage/store_key.h"

namespace posd {

struct ReceiptCode {
  std::string store_id;
  int64_t receipt_no = 0;
  uint64_t seq = 0;
  std::string business_day;
  int64_t total = 0;
  std::string currency;
  std::string signature;  // hex

  // The text before ":<signature>".
  std::string signed_part() const;
  // The bytes the signature covers: SHA-256("posd receipt\n" + signed_part()).
  std::string digest() const;
  std::string text() const { return signed_part() + ":" + signature; }
  // Takes `signature` (the store key's 64 bytes over digest()) and gives the
  // code as printed.
  std::string signed_text(std::string_view raw_signature);
};

// The code of a sale, not yet signed.
ReceiptCode receipt_code_of(const Sale& sale, const std::string& store_id);
// Reads a code as printed (or scanned from the QR code); invalid_argument saying why.
Result<ReceiptCode> read_receipt_code(std::string_view text);
// Ok, or refused("the signature is not the store key's: …").
Status verify_receipt_code(const ReceiptCode& code, const PublicKey& key);

}  // namespace posd
