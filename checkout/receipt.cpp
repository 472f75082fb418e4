#include "checkout/receipt.h"

#include <cstdio>

namespace posd {

using json = nlohmann::json;

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

std::string receipt_text(const json& sale, const std::string& store_id) {
  std::string out;
  out += row("Store " + store_id, "Receipt " + std::to_string(sale["receipt_no"].get<int64_t>()));
  out += row(sale.value("business_day", ""), "Lane " + sale.value("terminal", ""));
  out += std::string(kWidth, '-') + "\n";
  for (const json& l : sale["lines"]) {
    out += row(l["name"].get<std::string>(), format_minor(l["amount"]));
    if (l.contains("weight_g")) {
      out += "  " + std::to_string(l["weight_g"].get<int64_t>()) + " g @ " + format_minor(l["unit_price"]) + "/kg\n";
    } else if (l["qty"].get<int64_t>() > 1) {
      out += "  " + std::to_string(l["qty"].get<int64_t>()) + " x " + format_minor(l["unit_price"]) + "\n";
    }
    if (l["discount"].get<int64_t>() != 0) out += row("  discount", "-" + format_minor(l["discount"]));
  }
  out += std::string(kWidth, '-') + "\n";
  out += row("TOTAL " + sale.value("currency", ""), format_minor(sale["total"]));
  for (const json& t : sale["tax"]) {
    out += row(std::string(sale.value("prices_include_tax", true) ? "  incl. tax " : "  tax ") + t["class"].get<std::string>() + " " + format_minor(t["rate_bp"]) + "%",
               format_minor(t["amount"]));
  }
  for (const json& t : sale["tenders"]) {
    std::string name = t["type"];
    if (t.contains("masked_pan")) name += " " + t["masked_pan"].get<std::string>();
    out += row(name, format_minor(t["amount"]));
  }
  if (sale["rounding"].get<int64_t>() != 0) out += row("rounding", format_minor(sale["rounding"]));
  if (sale["change"].get<int64_t>() != 0) out += row("CHANGE", format_minor(sale["change"]));
  if (sale.value("status", "") == "voided") out += "*** VOIDED ***\n";
  out += row("journal seq", std::to_string(sale.value("seq", 0)));
  return out;
}

}  // namespace posd
