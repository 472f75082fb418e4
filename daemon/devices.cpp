#include "daemon/devices.h"

#include "base/json_fields.h"
#include "base/log.h"
#include "daemon/receipt_print.h"

namespace posd {

using json = nlohmann::json;

Devices::Devices(boost::asio::io_context& ioc, Checkout& checkout, Events& events, std::string store_id)
    : ioc_(ioc), checkout_(checkout), events_(events), store_id_(std::move(store_id)) {
  checkout_.add_listener([this](const CheckoutEvent& e) { on_checkout(e); });
  checkout_.set_printers([this](const std::string& terminal) { return printers_.count(terminal) > 0; });
}

Devices::~Devices() { stop(); }

void Devices::stop() {
  for (auto& s : scanners_) s->stop();
  for (auto& [t, p] : printers_) p->stop();
}

void Devices::start(const std::vector<drivers::ScannerConfig>& scanners,
                    const std::vector<drivers::PrinterConfig>& printers) {
  stop();
  printers_.clear();
  scanners_.clear();
  for (const drivers::PrinterConfig& pc : printers) {
    printers_[pc.terminal] = std::make_unique<drivers::Printer>(ioc_, pc,
        [this, terminal = pc.terminal, id = pc.id](const std::string& job, bool printed, const std::string& why) {
          json e = {{"type", "print"}, {"printer", id}, {"job", job}, {"printed", printed}};
          if (!printed) e["error"] = why;
          events_.publish(terminal, e);
        }, log::get("printer"));
  }
  for (const drivers::ScannerConfig& sc : scanners) {
    scanners_.push_back(drivers::make_scanner(ioc_, sc, [this](const drivers::ScannerConfig& s, const std::string& code) {
      on_scan(s, code);
    }, log::get("scanner")));
    scanners_.back()->start();
  }
}

void Devices::on_checkout(const CheckoutEvent& e) {
  if (const auto* sale = std::get_if<SaleCompleted>(&e)) {
    print_receipt(sale->terminal, sale->receipt_no, 1);
    if (sale->opens_drawer) kick(sale->terminal);
  } else if (const auto* reprint = std::get_if<ReceiptReprinted>(&e)) {
    print_receipt(reprint->terminal, reprint->receipt_no, reprint->copy);
  } else if (const auto* c = std::get_if<Closed>(&e)) {
    if (auto p = printers_.find(c->terminal); p != printers_.end()) {
      p->second->print(closure_title(c->closure), closure_escpos(c->closure, store_id_));
    }
  } else if (const auto* no_sale = std::get_if<NoSale>(&e)) {
    kick(no_sale->terminal);
  }
}

void Devices::print_receipt(const std::string& terminal, int64_t receipt_no, int64_t copy) {
  auto p = printers_.find(terminal);
  if (p == printers_.end()) return;
  Outcome answer = checkout_.sale(std::to_string(receipt_no));
  auto sale = answer.ok() ? read_sale(answer.body) : Result<Sale>(Status::not_found(to_json_text(answer.body)));
  if (!sale) {
    log::get("printer")->error("receipt {}: cannot read the sale to print it: {}", receipt_no, sale.status().message());
    return;
  }
  p->second->print((copy > 1 ? "copy " + std::to_string(copy) + " of receipt " : "receipt ") + std::to_string(receipt_no),
                   receipt_escpos(*sale, store_id_, copy, checkout_.receipt_code(*sale)));
}

void Devices::kick(const std::string& terminal) {
  auto p = printers_.find(terminal);
  if (p == printers_.end()) return;
  p->second->kick_drawer([this, terminal](bool opened, const std::string& why) {
    if (!opened) events_.publish(terminal, {{"type", "drawer_failed"}, {"error", why}});
  });
}

void Devices::on_scan(const drivers::ScannerConfig& s, const std::string& code) {
  // A scanner on the wrong code page or a noisy line: refused and reported,
  // never passed on (the bytes are not echoed).
  if (!valid_utf8(code)) {
    log::get("scanner")->warn("{}: refused a scan of {} bytes that is not UTF-8 text", s.id, code.size());
    events_.publish(s.terminal, {{"type", "scan_refused"}, {"scanner", s.id}, {"code", nullptr},
                                 {"error", {{"code", "not_text"}, {"message", "the scan is not UTF-8 text: check the scanner's keyboard or code page settings"}}}});
    return;
  }
  if (checkout_.card_number_scan(code)) {
    log::get("scanner")->warn("{}: refused a scan that looks like a card number (neither kept nor logged)", s.id);
    events_.publish(s.terminal, {{"type", "scan_refused"}, {"scanner", s.id}, {"code", nullptr},
                                 {"error", {{"code", "card_number_refused"}, {"message", "the scan looks like a full card number: it was not kept"}}}});
    return;
  }
  events_.publish(s.terminal, {{"type", "scan"}, {"scanner", s.id}, {"code", code}, {"into_basket", s.into_basket}});
  if (!s.into_basket) return;
  Outcome o = checkout_.add_scan(s.terminal, code);
  if (!o.ok()) events_.publish(s.terminal, {{"type", "scan_refused"}, {"scanner", s.id}, {"code", code}, {"error", o.body["error"]}});
}

json Devices::list() const {
  json out = json::array();
  for (const auto& [terminal, p] : printers_) {
    out.push_back({{"id", p->config().id}, {"kind", "printer"}, {"type", p->config().kind()}, {"terminal", terminal},
                   {"state", std::string(p->state()) == "failing" ? "waiting" : "connected"},
                   {"printer_state", p->state()}, {"queued", p->queued()}});
  }
  for (const auto& s : scanners_) {
    out.push_back({{"id", s->config().id}, {"kind", "scanner"}, {"type", s->config().kind()},
                   {"terminal", s->config().terminal}, {"state", s->state()}});
  }
  return out;
}

}  // namespace posd
