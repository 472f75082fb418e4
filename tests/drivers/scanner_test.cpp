// Scanners through the real file descriptors: a pseudo-terminal for serial,
// a pipe of struct input_event records for evdev, a socket for TCP.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/input.h>
#include <pty.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <filesystem>

#include "drivers/scanner.h"
#include "tests/support/port.h"
#include "tests/support/temp_dir.h"

using namespace posd;

namespace {

struct Rig {
  boost::asio::io_context io;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  std::shared_ptr<spdlog::logger> log = std::make_shared<spdlog::logger>("scanner-test", sink);
  std::vector<std::pair<std::string, std::string>> scans;  // terminal, data
  std::unique_ptr<drivers::Scanner> scanner;

  void start(drivers::ScannerConfig c) {
    scanner = drivers::make_scanner(io, std::move(c), [this](const drivers::ScannerConfig& s, const std::string& d) {
      scans.emplace_back(s.terminal, d);
    }, log);
    REQUIRE(scanner);
    scanner->start();
  }
  // Runs the loop until `done` or `seconds` pass.
  bool run_until(const std::function<bool()>& done, double seconds = 10) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_for(std::chrono::milliseconds(10));
    return done();
  }
  size_t logged(const std::string& text) {
    size_t n = 0;
    for (const auto& line : sink->last_formatted()) n += line.find(text) != std::string::npos;
    return n;
  }
  std::vector<std::string> data() const {
    std::vector<std::string> out;
    for (const auto& s : scans) out.push_back(s.second);
    return out;
  }
};

// A pseudo-terminal standing in for a USB-CDC scanner; `link` points at its
// slave side, as /dev/serial/by-id/… would.
struct Pty {
  int master = -1;
  explicit Pty(const std::string& link) {
    int slave = -1;
    char name[128];
    REQUIRE(::openpty(&master, &slave, name, nullptr, nullptr) == 0);
    ::close(slave);
    std::filesystem::remove(link);
    std::filesystem::create_symlink(name, link);
  }
  ~Pty() { unplug(); }
  void send(const std::string& s) { REQUIRE(::write(master, s.data(), s.size()) == static_cast<ssize_t>(s.size())); }
  void unplug() {
    if (master >= 0) ::close(master);
    master = -1;
  }
};

void key(int fd, unsigned code, int value) {
  input_event e{};
  e.type = EV_KEY;
  e.code = static_cast<uint16_t>(code);
  e.value = value;
  REQUIRE(::write(fd, &e, sizeof e) == sizeof e);
  input_event sync{};
  sync.type = EV_SYN;
  REQUIRE(::write(fd, &sync, sizeof sync) == sizeof sync);
}

void tap(int fd, unsigned code) {
  key(fd, code, 1);
  key(fd, code, 0);
}

const unsigned kDigitKeys[] = {KEY_0, KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9};

}  // namespace

TEST_CASE("a serial scanner on a pseudo-terminal: suffixes, unplug and plug back", "[scanner]") {
  test::TempDir dir;
  Rig rig;
  const std::string link = dir.file("ttyACM-scanner");
  auto pty = std::make_unique<Pty>(link);
  SECTION("CR") {
    rig.start({.id = "s1", .terminal = "lane-1", .port = drivers::SerialPort{.path = link, .baud = 9600, .suffix = "CR"}});
    REQUIRE(rig.run_until([&] { return std::string(rig.scanner->state()) == "connected"; }));
    pty->send("4006381333931\r]C10109506000134352\r");
    REQUIRE(rig.run_until([&] { return rig.scans.size() == 2; }));
    CHECK(rig.scans[0] == std::pair<std::string, std::string>{"lane-1", "4006381333931"});
    CHECK(rig.scans[1].second == "]C10109506000134352");

    // Unplugged: the scanner waits and says so once, however long it stays out.
    pty->unplug();
    REQUIRE(rig.run_until([&] { return std::string(rig.scanner->state()) == "waiting"; }));
    rig.run_until([] { return false; }, 3.5);
    CHECK(rig.logged("cannot open") <= 1);
    // Plugged back (a new device node behind the same name): it works again.
    pty = std::make_unique<Pty>(link);
    REQUIRE(rig.run_until([&] { return std::string(rig.scanner->state()) == "connected"; }, 40));
    pty->send("96385074\r");
    REQUIRE(rig.run_until([&] { return rig.scans.size() == 3; }));
    CHECK(rig.scans[2].second == "96385074");
  }
  SECTION("CRLF and LF") {
    rig.start({.id = "s1", .terminal = "lane-2", .port = drivers::SerialPort{.path = link, .baud = 115200, .suffix = "CRLF"}});
    REQUIRE(rig.run_until([&] { return std::string(rig.scanner->state()) == "connected"; }));
    pty->send("4006381333931\r\n96385074\r\n");
    REQUIRE(rig.run_until([&] { return rig.scans.size() == 2; }));
    CHECK(rig.data() == std::vector<std::string>{"4006381333931", "96385074"});
  }
}

TEST_CASE("a missing serial scanner is retried with backoff and logged once", "[scanner]") {
  test::TempDir dir;
  Rig rig;
  rig.start({.id = "s9", .terminal = "lane-9", .port = drivers::SerialPort{.path = dir.file("no-such-tty")}});
  rig.run_until([] { return false; }, 3.5);  // attempts at 0, 1 and 3 s
  CHECK(std::string(rig.scanner->state()) == "waiting");
  CHECK(rig.logged("cannot open") == 1);
  rig.scanner->stop();
  CHECK(std::string(rig.scanner->state()) == "stopped");
}

TEST_CASE("a keyboard-wedge scanner through evdev records, US and French layouts", "[scanner]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const std::string path = "/proc/self/fd/" + std::to_string(fds[0]);
  Rig rig;
  SECTION("US: digits unshifted, letters with shift") {
    rig.start({.id = "k1", .terminal = "lane-1", .port = drivers::KeyboardWedge{.path = path, .layout = "us"}});
    for (char c : std::string("4006381333931")) tap(fds[1], kDigitKeys[c - '0']);
    tap(fds[1], KEY_ENTER);
    key(fds[1], KEY_LEFTSHIFT, 1);
    tap(fds[1], KEY_P);
    key(fds[1], KEY_LEFTSHIFT, 0);
    tap(fds[1], KEY_MINUS);
    tap(fds[1], KEY_KP7);
    tap(fds[1], KEY_KPENTER);
    REQUIRE(rig.run_until([&] { return rig.scans.size() == 2; }));
    CHECK(rig.data() == std::vector<std::string>{"4006381333931", "P-7"});
  }
  SECTION("French AZERTY: digits need shift, A and Q trade places") {
    rig.start({.id = "k2", .terminal = "lane-2", .port = drivers::KeyboardWedge{.path = path, .layout = "fr"}});
    key(fds[1], KEY_RIGHTSHIFT, 1);
    for (char c : std::string("96385074")) tap(fds[1], kDigitKeys[c - '0']);
    key(fds[1], KEY_RIGHTSHIFT, 0);
    tap(fds[1], KEY_Q);  // types a
    tap(fds[1], KEY_6);  // unshifted: -
    tap(fds[1], KEY_ENTER);
    REQUIRE(rig.run_until([&] { return rig.scans.size() == 1; }));
    CHECK(rig.scans[0] == std::pair<std::string, std::string>{"lane-2", "96385074a-"});
  }
  ::close(fds[1]);
  ::close(fds[0]);
}

TEST_CASE("key codes and layouts", "[scanner]") {
  CHECK(drivers::key_char("us", KEY_1, false) == '1');
  CHECK(drivers::key_char("us", KEY_1, true) == '!');
  CHECK(drivers::key_char("fr", KEY_1, false) == '&');
  CHECK(drivers::key_char("fr", KEY_1, true) == '1');
  CHECK(drivers::key_char("fr", KEY_2, false) == 0);  // é is no ASCII: dropped
  CHECK(drivers::key_char("fr", KEY_SEMICOLON, false) == 'm');
  CHECK(drivers::key_char("fr", KEY_M, true) == '?');
  CHECK(drivers::key_char("us", KEY_LEFTCTRL, false) == 0);
}

TEST_CASE("network scanners connect over TCP and send lines", "[scanner]") {
  Rig rig;
  const uint16_t port = test::unused_port();
  rig.start({.id = "n1", .terminal = "lane-3", .port = drivers::NetworkScanner{.listen = "127.0.0.1:" + std::to_string(port)}});
  REQUIRE(rig.run_until([&] { return std::string(rig.scanner->state()) == "connected"; }));
  boost::asio::ip::tcp::socket a(rig.io), b(rig.io);
  a.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  b.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::asio::write(a, boost::asio::buffer(std::string("4006381333931\r\n4006")));
  boost::asio::write(b, boost::asio::buffer(std::string("96385074\n")));
  boost::asio::write(a, boost::asio::buffer(std::string("381333948\n")));
  REQUIRE(rig.run_until([&] { return rig.scans.size() == 3; }));
  auto got = rig.data();
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<std::string>{"4006381333931", "4006381333948", "96385074"});
  a.close();
  boost::asio::write(b, boost::asio::buffer(std::string("12345670\n")));  // one leaving harms no other
  REQUIRE(rig.run_until([&] { return rig.scans.size() == 4; }));
}
