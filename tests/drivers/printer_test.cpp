// Receipt printers: ESC/POS bytes, and a TCP socket (or a FIFO) standing in
// for the printer, switched off and on.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/sinks/ringbuffer_sink.h>

#include "drivers/escpos.h"
#include "drivers/printer.h"
#include "tests/support/port.h"
#include "tests/support/temp_dir.h"

using namespace posd;
namespace asio = boost::asio;

namespace {

// A printer on port 9100's stand-in: each connection's bytes once it closes,
// without the status request (DLE EOT 1), which it answers with `status`.
class FakePrinter {
 public:
  FakePrinter(asio::io_context& io, uint16_t port) : io_(io), acceptor_(io, {asio::ip::make_address("127.0.0.1"), port}) {
    accept();
  }
  std::vector<std::string> received;
  unsigned char status = 0x12;  // online

 private:
  struct Conn {
    explicit Conn(asio::io_context& io) : socket(io) {}
    asio::ip::tcp::socket socket;
    std::string data;
    std::array<char, 512> chunk{};
  };
  void accept() {
    auto c = std::make_shared<Conn>(io_);
    acceptor_.async_accept(c->socket, [this, c](const boost::system::error_code& ec) {
      if (ec) return;
      read(c);
      accept();
    });
  }
  void read(const std::shared_ptr<Conn>& c) {
    c->socket.async_read_some(asio::buffer(c->chunk), [this, c](const boost::system::error_code& ec, size_t n) {
      if (ec) {  // posd closed: the job is whole
        const std::string dle_eot = escpos::status_request();
        if (c->data.size() >= 3 && c->data.substr(c->data.size() - 3) == dle_eot) c->data.resize(c->data.size() - 3);
        received.push_back(c->data);
        return;
      }
      c->data.append(c->chunk.data(), n);
      if (c->data.size() >= 3 && c->data.substr(c->data.size() - 3) == escpos::status_request()) {
        boost::system::error_code ignored;
        asio::write(c->socket, asio::buffer(&status, 1), ignored);
      }
      read(c);
    });
  }
  asio::io_context& io_;
  asio::ip::tcp::acceptor acceptor_;
};

bool run_until(asio::io_context& io, const std::function<bool()>& done, double seconds = 10) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done() && std::chrono::steady_clock::now() < deadline) io.run_for(std::chrono::milliseconds(10));
  return done();
}

struct Jobs {
  std::vector<std::tuple<std::string, bool, std::string>> seen;
  drivers::Printer::OnJob hook() {
    return [this](const std::string& job, bool ok, const std::string& why) { seen.emplace_back(job, ok, why); };
  }
};

std::shared_ptr<spdlog::logger> quiet_log() {
  return std::make_shared<spdlog::logger>("printer-test", std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(50));
}

}  // namespace

TEST_CASE("ESC/POS commands are the documented bytes", "[printer]") {
  using escpos::Align;
  escpos::Document d;
  CHECK(d.bytes() == std::string("\x1b@\x1bt\x10", 5));
  d.align(Align::center).bold(true).double_size(true).text("Zoë 5 €").cut();
  CHECK(d.bytes() == std::string("\x1b@\x1bt\x10" "\x1b" "a\x01" "\x1b" "E\x01" "\x1d!\x11" "Zo\xeb 5 \x80" "\x1dV\x42\x03", 25));
  CHECK(escpos::drawer_kick() == std::string("\x1bp\x00\x19\xfa", 5));
  CHECK(escpos::status_request() == std::string("\x10\x04\x01", 3));
  CHECK(escpos::printer_ready(0x12));
  CHECK_FALSE(escpos::printer_ready(0x1a));  // offline bit
  CHECK(escpos::to_cp1252("日本\x1b") == "???");  // no such characters, and no command smuggled in
}

TEST_CASE("print jobs reach a TCP printer in order, wait while it is off, and go out when it is back", "[printer]") {
  asio::io_context io;
  const uint16_t port = test::unused_port();
  Jobs jobs;
  drivers::Printer printer(io, {.id = "p1", .terminal = "lane-1", .port = drivers::NetworkPrinter{"127.0.0.1:" + std::to_string(port)}},
                           jobs.hook(), quiet_log());
  // Off: connection refused. The job is kept and reported.
  printer.print("receipt 1", "first");
  printer.print("receipt 2", "second");
  bool early = true;
  printer.kick_drawer([&](bool ok, const std::string&) { early = ok; });  // behind a job still in flight
  REQUIRE(run_until(io, [&] { return !jobs.seen.empty(); }));
  CHECK_FALSE(early);  // refused when the printer proved off, not opened minutes later
  CHECK(std::get<0>(jobs.seen[0]) == "receipt 1");
  CHECK_FALSE(std::get<1>(jobs.seen[0]));
  CHECK_THAT(std::get<2>(jobs.seen[0]), Catch::Contains("cannot reach 127.0.0.1:"));
  CHECK(printer.queued() == 2);
  CHECK(std::string(printer.state()) == "failing");
  bool opened = true;
  std::string why;
  printer.kick_drawer([&](bool ok, const std::string& w) { opened = ok, why = w; });
  CHECK_FALSE(opened);  // never queued for later
  CHECK_THAT(why, Catch::Contains("is not answering"));

  // On again: both jobs, in order, then the drawer.
  FakePrinter fake(io, port);
  REQUIRE(run_until(io, [&] { return fake.received.size() == 2; }, 40));
  CHECK(fake.received == std::vector<std::string>{"first", "second"});
  CHECK(printer.queued() == 0);
  CHECK(std::string(printer.state()) == "ready");
  printer.kick_drawer([&](bool ok, const std::string&) { opened = ok; });
  REQUIRE(run_until(io, [&] { return fake.received.size() == 3; }));
  CHECK(opened);
  CHECK(fake.received[2] == escpos::drawer_kick());
}

TEST_CASE("a printer behind a device file", "[printer]") {
  test::TempDir dir;
  const std::string lp = dir.file("lp0");
  REQUIRE(::mkfifo(lp.c_str(), 0600) == 0);
  asio::io_context io;
  Jobs jobs;
  drivers::Printer printer(io, {.id = "usb", .terminal = "lane-1", .port = drivers::DevicePrinter{lp}}, jobs.hook(),
                           quiet_log());
  printer.print("receipt 7", "hello");  // nobody reads the FIFO yet: like a printer switched off
  REQUIRE(run_until(io, [&] { return !jobs.seen.empty(); }));
  CHECK_FALSE(std::get<1>(jobs.seen[0]));
  const int reader = ::open(lp.c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(reader >= 0);
  REQUIRE(run_until(io, [&] { return std::get<1>(jobs.seen.back()); }, 40));
  char buf[16] = {};
  CHECK(::read(reader, buf, sizeof buf) == 5);
  CHECK(std::string(buf) == "hello");
  ::close(reader);
}

TEST_CASE("a printer that answers its status as offline keeps the job until it is online again", "[printer]") {
  asio::io_context io;
  const uint16_t port = test::unused_port();
  FakePrinter fake(io, port);
  fake.status = 0x1a;  // offline: cover open or paper out
  Jobs jobs;
  drivers::Printer printer(io, {.id = "p2", .terminal = "lane-2", .port = drivers::NetworkPrinter{"127.0.0.1:" + std::to_string(port)}},
                           jobs.hook(), quiet_log());
  printer.print("receipt 5", "fifth");
  REQUIRE(run_until(io, [&] { return !jobs.seen.empty(); }));
  CHECK_FALSE(std::get<1>(jobs.seen[0]));
  CHECK_THAT(std::get<2>(jobs.seen[0]), Catch::Contains("offline (cover open or paper out)"));
  CHECK(printer.queued() == 1);
  fake.status = 0x12;  // paper in
  REQUIRE(run_until(io, [&] { return std::get<1>(jobs.seen.back()); }, 40));
  CHECK(printer.queued() == 0);
  CHECK(fake.received.back() == "fifth");
}
