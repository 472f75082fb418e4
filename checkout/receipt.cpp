#include "checkout/receipt.h"

#include <cstdio>

namespace posd {

std::string format_minor(int64_t minor) {
  const bool neg = minor < 0;
  const uint64_t m = neg ? static_cast<uint64_t>(-(minor + 1)) + 1 : static_cast<uint64_t>(minor);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%llu.%02llu", neg ? "-" : "", static_cast<unsigned long long>(m / 100),
                static_cast<unsigned long long>(m % 100));
  return buf;
}

namespace {

constexpr size_t kWidth = 40;

// Columns a UTF-8 string takes on the printer: one per character, not per byte.
size_t columns(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The first `cols` characters of a UTF-8 string.
std::string first_columns(const std::string& s, size_t cols) {
  size_t i = 0;
  for (size_t seen = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && seen++ == cols) break;
  }
  return s.substr(0, i);
}

std::string row(const std::string& left, const std::string& right) {
  std::string l = first_columns(left, kWidth - columns(right) - 1);
  return l + std::string(kWidth - columns(l) - columns(right), ' ') + right + "\n";
}

}  // namespace

std::string duplicate_mark(int64_t copy) { return "*** DUPLICATE copy " + std::to_string(copy) + " ***"; }

std::string receipt_text(const Sale& sale, const std::string& store_id, int64_t copy, const std::string& code) {
  std::string out;
  if (copy > 1) out += duplicate_mark(copy) + "\n";
  out += row("Store " + store_id, "Receipt " + std::to_string(sale.receipt_no));
  out += row(sale.business_day, "Lane " + sale.terminal);
  out += std::string(kWidth, '-') + "\n";
  for (const SaleLine& l : sale.lines) {
    out += row(l.name, format_minor(l.amount));
    if (l.weighed) {
      out += "  " + std::to_string(l.quantity) + " g @ " + format_minor(l.unit_price) + "/kg\n";
    } else if (l.quantity > 1) {
      out += "  " + std::to_string(l.quantity) + " x " + format_minor(l.unit_price) + "\n";
    }
    // Promotions, then the line's manual discount; its share of the basket's is shown once, below.
    const int64_t promoted = l.discount - l.manual - l.basket_manual;
    if (promoted != 0) out += row("  discount", "-" + format_minor(promoted));
    if (l.manual != 0) out += row("  manual discount " + l.manual_reason, "-" + format_minor(l.manual));
  }
  if (sale.basket_manual != 0) out += row("basket discount " + sale.basket_manual_reason, "-" + format_minor(sale.basket_manual));
  out += std::string(kWidth, '-') + "\n";
  out += row("TOTAL " + sale.currency, format_minor(sale.total));
  for (const SaleTax& t : sale.tax) {
    out += row(std::string(sale.prices_include_tax ? "  incl. tax " : "  tax ") + t.tax_class + " " + format_minor(t.rate_bp) + "%",
               format_minor(t.amount));
  }
  for (const SaleTender& t : sale.tenders) {
    std::string name(rules_of(t.type).name);
    if (!t.masked_pan.empty()) name += " " + t.masked_pan;
    out += row(name, format_minor(t.amount));
  }
  if (sale.exchange_receipt_no != 0) {
    out += row("exchange: back from receipt " + std::to_string(sale.exchange_receipt_no), format_minor(sale.exchange_credit));
    if (sale.exchange_refund_due != 0) out += row("GIVEN BACK", format_minor(sale.exchange_refund_due));
  }
  if (sale.rounding != 0) out += row("rounding", format_minor(sale.rounding));
  if (sale.change != 0) out += row("CHANGE", format_minor(sale.change));
  if (sale.voided) out += "*** VOIDED ***\n";
  out += row("journal seq", std::to_string(sale.seq));
  if (!code.empty()) {
    out += "Verify with the store's key:\n";
    for (size_t i = 0; i < code.size(); i += kWidth) out += code.substr(i, kWidth) + "\n";
  }
  if (copy > 1) out += duplicate_mark(copy) + "\n";
  return out;
}

}  // namespace posd
