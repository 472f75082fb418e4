#include "checkout/receipt_code.h"

#include <vector>

#include "base/digest.h"

namespace posd {

std::string ReceiptCode::signed_part() const {
  return "posd1:" + store_id + ":" + std::to_string(receipt_no) + ":" + std::to_string(seq) + ":" + business_day + ":" +
         std::to_string(total) + ":" + currency;
}

std::string ReceiptCode::digest() const { return sha256("posd receipt\n" + signed_part()); }

std::string ReceiptCode::signed_text(std::string_view raw_signature) {
  signature = to_hex(raw_signature);
  return text();
}

ReceiptCode receipt_code_of(const Sale& sale, const std::string& store_id) {
  return ReceiptCode{store_id, sale.receipt_no, sale.seq, sale.business_day, sale.total, sale.currency, ""};
}

namespace {

// A number as posd writes it, so that the text checked is the text signed:
// no leading zero, no "-0", no "+".
bool digits(std::string_view s, bool sign_allowed) {
  if (sign_allowed && !s.empty() && s[0] == '-') {
    s.remove_prefix(1);
    if (s == "0") return false;
  }
  if (s.empty() || s.size() > 18 || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Result<ReceiptCode> read_receipt_code(std::string_view text) {
  const std::string bad = "a receipt code is posd1:STORE:RECEIPT:SEQ:DAY:TOTAL:CURRENCY:SIGNATURE";
  if (text.substr(0, 6) != "posd1:") return Status::invalid_argument(bad);
  std::vector<std::string> parts;
  size_t from = 6;
  for (;;) {
    const size_t colon = text.find(':', from);
    parts.emplace_back(text.substr(from, colon == std::string_view::npos ? std::string_view::npos : colon - from));
    if (colon == std::string_view::npos) break;
    from = colon + 1;
  }
  if (parts.size() < 7) return Status::invalid_argument(bad);
  const size_t n = parts.size();
  ReceiptCode c;
  // The store id may hold ':'; the six fields after it never do.
  for (size_t i = 0; i + 6 < n; ++i) c.store_id += (i ? ":" : "") + parts[i];
  const std::string& receipt = parts[n - 6];
  const std::string& seq = parts[n - 5];
  const std::string& total = parts[n - 3];
  if (c.store_id.empty() || !digits(receipt, false) || !digits(seq, false) || !digits(total, true)) {
    return Status::invalid_argument(bad);
  }
  c.receipt_no = std::stoll(receipt);
  c.seq = std::stoull(seq);
  c.business_day = parts[n - 4];
  c.total = std::stoll(total);
  c.currency = parts[n - 2];
  c.signature = parts[n - 1];
  if (c.signature.size() != 128 || c.signature.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Status::invalid_argument("the signature of a receipt code is 128 lower-case hex digits");
  }
  return c;
}

Status verify_receipt_code(const ReceiptCode& code, const PublicKey& key) {
  auto sig = from_hex(code.signature);
  if (!sig || !key.verify(code.digest(), *sig)) {
    return Status::refused("the signature is not the store key's: the receipt was altered, or it is another store's");
  }
  return Status::ok();
}

}  // namespace posd
