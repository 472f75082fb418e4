// The printed receipt, byte for byte (as rendered, and as a TCP printer
// receives it): ESC/POS against golden files under
// tests/daemon/golden (POSD_UPDATE_GOLDEN=1 rewrites them after a deliberate
// change; read the diff with `xxd` before committing).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <spdlog/sinks/ringbuffer_sink.h>

#include "checkout/receipt.h"
#include "daemon/receipt_print.h"
#include "drivers/escpos.h"
#include "drivers/printer.h"
#include "tests/support/temp_dir.h"

using namespace posd;
using json = nlohmann::json;

namespace {

const json kSale = json::parse(R"({
  "receipt_no": 42, "business_day": "2026-11-23", "terminal": "lane-1", "currency": "EUR", "seq": 1234,
  "status": "completed", "prices_include_tax": true, "total": 1093, "rounding": 0, "change": 907,
  "lines": [
    {"name": "Pen, blue", "qty": 3, "unit_price": 199, "amount": 597, "discount": 199},
    {"name": "Apples, Boskoop", "qty": 1, "weight_g": 1250, "unit_price": 279, "amount": 349, "discount": 0},
    {"name": "Crème fraîche", "qty": 1, "unit_price": 346, "amount": 346, "discount": 0}
  ],
  "tax": [{"class": "standard", "rate_bp": 2000, "amount": 66}, {"class": "reduced", "rate_bp": 550, "amount": 36}],
  "tenders": [{"type": "cash", "amount": 2000}]
})");

Sale sale() {
  auto s = read_sale(kSale);
  REQUIRE(s);
  return *s;
}

void check_golden(const std::string& name, const std::string& bytes) {
  const std::string path = std::string(POSD_SOURCE_DIR) + "/tests/daemon/golden/" + name;
  if (std::getenv("POSD_UPDATE_GOLDEN")) test::write_text(path, bytes);
  REQUIRE(std::filesystem::exists(path));
  CHECK(test::read_text(path) == bytes);
}

}  // namespace

TEST_CASE("a receipt in ESC/POS matches its golden file", "[receipt]") {
  const std::string bytes = receipt_escpos(sale(), "STORE-0001", 1);
  CHECK(bytes.rfind("\x1b@\x1bt\x10", 0) == 0);  // initialise, code page 1252
  CHECK(bytes.find("Cr\xe8" "me fra\xee" "che") != std::string::npos);
  CHECK(bytes.find("posd:STORE-0001:42") != std::string::npos);  // the QR code's data
  CHECK(bytes.substr(bytes.size() - 4) == "\x1dV\x42\x03");      // partial cut last
  CHECK(bytes.find("DUPLICATE") == std::string::npos);
  check_golden("receipt.escpos", bytes);
}

TEST_CASE("names with accents keep the columns straight", "[receipt]") {
  const std::string text = receipt_text(sale(), "STORE-0001");
  const auto at = text.find("Crème fraîche");
  REQUIRE(at != std::string::npos);
  const std::string line = text.substr(at, text.find('\n', at) - at);
  CHECK(line.size() == 40 + 2);  // 40 columns; è and î take two bytes each
  CHECK(line.substr(line.size() - 4) == "3.46");
}

TEST_CASE("a reprint says DUPLICATE with its copy number at the top and the bottom", "[receipt]") {
  const std::string bytes = receipt_escpos(sale(), "STORE-0001", 2);
  const auto first = bytes.find("*** DUPLICATE copy 2 ***");
  REQUIRE(first != std::string::npos);
  CHECK(bytes.find("*** DUPLICATE copy 2 ***", first + 1) != std::string::npos);
  check_golden("receipt-duplicate.escpos", bytes);
}

TEST_CASE("the receipt a TCP printer receives is the golden file, byte for byte", "[receipt][printer]") {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::acceptor printer_port(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket peer(io);
  std::string received;
  bool closed = false;
  printer_port.async_accept(peer, [&](const boost::system::error_code& ec) {
    REQUIRE_FALSE(ec);
    asio::async_read(peer, asio::dynamic_buffer(received), [&](const boost::system::error_code&, size_t) { closed = true; });
  });
  auto log = std::make_shared<spdlog::logger>("receipt-test", std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(10));
  drivers::Printer printer(io, {.id = "p", .terminal = "lane-1",
                                .port = drivers::NetworkPrinter{"127.0.0.1:" + std::to_string(printer_port.local_endpoint().port())}},
                           {}, log);
  printer.print("receipt 42", receipt_escpos(sale(), "STORE-0001", 1));
  for (int i = 0; i < 500 && !closed; ++i) io.run_for(std::chrono::milliseconds(10));
  REQUIRE(closed);
  // What went on the wire: the receipt, then the status request (DLE EOT 1).
  REQUIRE(received.size() > 3);
  CHECK(received.substr(received.size() - 3) == escpos::status_request());
  check_golden("receipt.escpos", received.substr(0, received.size() - 3));
}

TEST_CASE("a printed Z carries its anchor: the journal seq and the whole hash, as text and as a QR code", "[receipt]") {
  const std::string hash = "0123456789abcdef0123456789abcdef00112233445566778899aabbccddeeff";
  const nlohmann::json z = {{"z_no", 7}, {"business_day", "2026-12-01"}, {"receipts", {{"first", 40}, {"last", 52}}},
                            {"sale_count", 13}, {"sales_total", 12345}, {"void_count", 0}, {"voided_total", 0},
                            {"return_count", 1}, {"refund_total", 345}, {"net_total", 12000}, {"grand_total", 987654},
                            {"journal", {{"seq", 321}, {"hash", hash}, {"signature", std::string(128, 'b')}}}};
  const std::string bytes = closure_escpos(z, "STORE-0001");
  CHECK(bytes.find("Receipts") != std::string::npos);
  CHECK(bytes.find("40 - 52") != std::string::npos);
  CHECK(bytes.find("9876.54") != std::string::npos);
  CHECK(bytes.find("Journal seq") != std::string::npos);
  CHECK(bytes.find("Hash " + hash.substr(0, 32)) != std::string::npos);
  CHECK(bytes.find("     " + hash.substr(32)) != std::string::npos);
  CHECK(bytes.find("posd-anchor:STORE-0001:321:" + hash) != std::string::npos);
  CHECK(bytes.find("Sig  " + std::string(32, 'b')) != std::string::npos);
}

TEST_CASE("a monthly or yearly closure prints under its own title", "[receipt]") {
  const nlohmann::json journal = {{"seq", 9}, {"hash", std::string(64, 'a')}, {"signature", std::string(128, 'c')}};
  CHECK(closure_title({{"report", "Z"}, {"z_no", 7}}) == "Z 7");
  CHECK(closure_title({{"report", "month"}, {"month", "2026-11"}, {"closure_no", 3}}) == "Month 2026-11 (closure 3)");
  CHECK(closure_title({{"report", "year"}, {"year", "2026"}, {"closure_no", 1}}) == "Year 2026 (closure 1)");
  const std::string bytes = closure_escpos({{"report", "year"}, {"year", "2026"}, {"closure_no", 1}, {"journal", journal}}, "S1");
  CHECK(bytes.find("Year 2026 (closure 1)") != std::string::npos);
  CHECK(bytes.find("posd-anchor:S1:9:" + std::string(64, 'a')) != std::string::npos);
}
