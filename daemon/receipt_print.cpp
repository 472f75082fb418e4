#include "daemon/receipt_print.h"

#include "checkout/receipt.h"
#include "drivers/escpos.h"

namespace posd {

using json = nlohmann::json;

std::string receipt_escpos(const Sale& sale, const std::string& store_id, int64_t copy, const std::string& code) {
  const bool duplicate = copy > 1;
  using escpos::Align;
  escpos::Document d;
  const std::string receipt_no = std::to_string(sale.receipt_no);
  if (duplicate) d.align(Align::center).bold(true).line(duplicate_mark(copy)).bold(false);
  d.align(Align::center).double_size(true).line(store_id).double_size(false);
  d.align(Align::left).text(receipt_text(sale, store_id, 1, code));  // the marks are printed bold around it
  d.align(Align::center).feed(1).qr(code.empty() ? "posd:" + store_id + ":" + receipt_no : code).feed(1).line("Receipt " + receipt_no);
  if (duplicate) d.bold(true).line(duplicate_mark(copy)).bold(false);
  d.align(Align::left).cut();
  return d.bytes();
}

std::string closure_title(const nlohmann::json& closure) {
  const std::string report = closure.value("report", "Z");
  const std::string no = closure.value(report == "Z" ? "z_no" : "closure_no", json(0)).dump();
  if (report == "Z") return "Z " + no;
  const std::string name = report == "month" ? "Month " : "Year ";
  return name + closure.value(report, "") + " (closure " + no + ")";
}

std::string closure_escpos(const nlohmann::json& z, const std::string& store_id) {
  using escpos::Align;
  auto money = [&](const char* key) { return format_minor(z.value(key, int64_t{0})); };
  auto row = [](const std::string& left, const std::string& right) {
    const size_t pad = left.size() + right.size() < 40 ? 40 - left.size() - right.size() : 1;
    return left + std::string(pad, ' ') + right;
  };
  const auto& journal = z.at("journal");
  const std::string seq = journal.at("seq").dump();
  const std::string hash = journal.at("hash").get<std::string>();
  escpos::Document d;
  d.align(Align::center).double_size(true).line(closure_title(z)).double_size(false);
  d.line("Store " + store_id + "  " + z.value("business_day", ""));
  d.align(Align::left);
  const json receipts = z.value("receipts", json{{"first", 0}, {"last", 0}});
  d.line(row("Receipts", receipts.value("first", json(0)).dump() + " - " + receipts.value("last", json(0)).dump()));
  d.line(row("Sales (" + z.value("sale_count", json(0)).dump() + ")", money("sales_total")));
  d.line(row("Voided (" + z.value("void_count", json(0)).dump() + ")", money("voided_total")));
  d.line(row("Refunds (" + z.value("return_count", json(0)).dump() + ")", money("refund_total")));
  d.line(row("Net", money("net_total")));
  d.bold(true).line(row("Grand total", money("grand_total"))).bold(false);
  d.line(row("Journal seq", seq));
  d.line("Hash " + hash.substr(0, 32));
  d.line("     " + hash.substr(32));
  const std::string signature = journal.value("signature", "");
  for (size_t i = 0; i < signature.size(); i += 32) d.line((i == 0 ? "Sig  " : "     ") + signature.substr(i, 32));
  d.align(Align::center).feed(1).qr("posd-anchor:" + store_id + ":" + seq + ":" + hash).feed(1);
  d.align(Align::left).cut();
  return d.bytes();
}

}  // namespace posd
