#include "drivers/scanner.h"

#include <fcntl.h>
#include <linux/input.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/serial_port.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cstring>
#include <map>

namespace posd::drivers {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr size_t kMaxScan = 4096;  // longer without a terminator: noise, dropped

// What every source shares: a retry timer with backoff, one log line per
// kind of failure, and the state. Handlers check `alive_` before touching
// the object, so a stopped or destroyed source ignores late completions.
class Source : public Scanner {
 public:
  Source(asio::io_context& io, ScannerConfig c, OnScan on_scan, std::shared_ptr<spdlog::logger> log)
      : io_(io), config_(std::move(c)), on_scan_(std::move(on_scan)), log_(std::move(log)), retry_(io) {}
  ~Source() override { *alive_ = false; }

  void start() override {
    *alive_ = true;
    state_ = "waiting";
    open();
  }
  void stop() override {
    *alive_ = false;
    alive_ = std::make_shared<bool>(false);
    retry_.cancel();
    close();
    state_ = "stopped";
  }
  const char* state() const override { return state_; }
  const ScannerConfig& config() const override { return config_; }

 protected:
  virtual void open() = 0;
  virtual void close() = 0;

  void connected(const std::string& what) {
    state_ = "connected";
    backoff_ = std::chrono::seconds(1);
    log_->info("scanner {}: {} (terminal {})", config_.id, what, config_.terminal);
    last_error_.clear();
  }
  // Closes, logs (once per kind of failure) and tries again later.
  void fail(const std::string& why) {
    close();
    state_ = "waiting";
    if (why != last_error_) log_->warn("scanner {}: {}; retrying", config_.id, why);
    last_error_ = why;
    retry_.expires_after(backoff_);
    backoff_ = std::min<std::chrono::steady_clock::duration>(backoff_ * 2, std::chrono::seconds(30));
    retry_.async_wait([this, alive = alive_](const error_code& ec) {
      if (!ec && *alive) open();
    });
  }
  // Appends bytes; every piece ended by one of `terminators` is a scan.
  void feed(std::string& buf, const char* data, size_t n, const std::string& terminators) {
    buf.append(data, n);
    size_t end;
    while ((end = buf.find_first_of(terminators)) != std::string::npos) {
      std::string scan = buf.substr(0, end);
      buf.erase(0, end + 1);
      if (!scan.empty()) on_scan_(config_, scan);
    }
    if (buf.size() > kMaxScan) buf.clear();
  }

  asio::io_context& io_;
  ScannerConfig config_;
  OnScan on_scan_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(false);

 private:
  asio::steady_timer retry_;
  std::chrono::steady_clock::duration backoff_ = std::chrono::seconds(1);
  std::string last_error_;
  const char* state_ = "stopped";
};

class SerialScanner : public Source {
 public:
  using Source::Source;

 private:
  void open() override {
    error_code ec;
    port_.open(config_.path, ec);
    if (ec) return fail("cannot open " + config_.path + ": " + ec.message());
    using sp = asio::serial_port_base;
    port_.set_option(sp::baud_rate(config_.baud), ec);
    if (!ec) port_.set_option(sp::character_size(8), ec);
    if (!ec) port_.set_option(sp::parity(sp::parity::none), ec);
    if (!ec) port_.set_option(sp::stop_bits(sp::stop_bits::one), ec);
    if (!ec) port_.set_option(sp::flow_control(sp::flow_control::none), ec);
    if (ec) return fail("cannot set up " + config_.path + ": " + ec.message());
    buf_.clear();
    connected("reading " + config_.path);
    read();
  }
  void close() override {
    error_code ec;
    port_.close(ec);
  }
  void read() {
    port_.async_read_some(asio::buffer(chunk_), [this, alive = alive_](const error_code& ec, size_t n) {
      if (!*alive) return;
      if (ec) return fail(config_.path + ": " + ec.message());  // unplugged: EIO, or the node is gone
      // CRLF ends on LF and CR alike; a CR or LF alone is the configured end.
      feed(buf_, chunk_.data(), n, config_.suffix == "LF" ? "\n" : config_.suffix == "CR" ? "\r" : "\r\n");
      read();
    });
  }

  asio::serial_port port_{io_};
  std::array<char, 256> chunk_{};
  std::string buf_;
};

class TcpScanner : public Source {
 public:
  using Source::Source;

 private:
  struct Connection {
    explicit Connection(asio::io_context& io) : socket(io) {}
    asio::ip::tcp::socket socket;
    std::array<char, 512> chunk{};
    std::string buf;
  };

  void open() override {
    auto colon = config_.listen.rfind(':');
    error_code ec;
    auto address = asio::ip::make_address(config_.listen.substr(0, colon), ec);
    if (colon == std::string::npos || ec) return fail("listen must be host:port, not \"" + config_.listen + "\"");
    asio::ip::tcp::endpoint ep(address, static_cast<uint16_t>(std::stoul(config_.listen.substr(colon + 1))));
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("cannot listen on " + config_.listen + ": " + ec.message());
    connected("listening on " + config_.listen);
    accept();
  }
  void close() override {
    error_code ec;
    acceptor_.close(ec);
    for (auto& c : connections_) c->socket.close(ec);
    connections_.clear();
  }
  void accept() {
    auto c = std::make_shared<Connection>(io_);
    acceptor_.async_accept(c->socket, [this, c, alive = alive_](const error_code& ec) {
      if (!*alive) return;
      if (ec) return fail("accept: " + ec.message());
      connections_.push_back(c);
      read(c);
      accept();
    });
  }
  void read(const std::shared_ptr<Connection>& c) {
    c->socket.async_read_some(asio::buffer(c->chunk), [this, c, alive = alive_](const error_code& ec, size_t n) {
      if (!*alive) return;
      if (ec) {  // the scanner hung up: forget the connection, keep listening
        std::erase(connections_, c);
        return;
      }
      feed(c->buf, c->chunk.data(), n, "\r\n");
      read(c);
    });
  }

  asio::ip::tcp::acceptor acceptor_{io_};
  std::vector<std::shared_ptr<Connection>> connections_;
};

class EvdevScanner : public Source {
 public:
  using Source::Source;

 private:
  void open() override {
    const int fd = ::open(config_.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return fail("cannot open " + config_.path + ": " + std::strerror(errno));
    // Take the device for ourselves: its keystrokes must not reach a console.
    // Only a real input device can be grabbed (tests feed a pipe).
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && ::ioctl(fd, EVIOCGRAB, 1) != 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return fail("cannot grab " + config_.path + ": " + why);
    }
    device_.assign(fd);
    bytes_.clear();
    text_.clear();
    shift_ = 0;
    connected("reading " + config_.path + " (" + config_.layout + " layout)");
    read();
  }
  void close() override {
    error_code ec;
    device_.close(ec);
  }
  void read() {
    device_.async_read_some(asio::buffer(chunk_), [this, alive = alive_](const error_code& ec, size_t n) {
      if (!*alive) return;
      if (ec) return fail(config_.path + ": " + (ec == asio::error::eof ? "closed" : ec.message()));
      bytes_.append(chunk_.data(), n);
      size_t used = 0;
      for (; used + sizeof(input_event) <= bytes_.size(); used += sizeof(input_event)) {
        input_event e;
        std::memcpy(&e, bytes_.data() + used, sizeof e);
        key(e);
      }
      bytes_.erase(0, used);
      read();
    });
  }
  void key(const input_event& e) {
    if (e.type != EV_KEY) return;
    if (e.code == KEY_LEFTSHIFT || e.code == KEY_RIGHTSHIFT) {
      const int bit = e.code == KEY_LEFTSHIFT ? 1 : 2;
      shift_ = e.value ? (shift_ | bit) : (shift_ & ~bit);
      return;
    }
    if (e.value != 1) return;  // presses only; releases and repeats type nothing
    if (e.code == KEY_ENTER || e.code == KEY_KPENTER) {
      if (!text_.empty()) on_scan_(config_, text_);
      text_.clear();
      return;
    }
    if (char c = key_char(config_.layout, e.code, shift_ != 0); c && text_.size() < kMaxScan) text_ += c;
  }

  asio::posix::stream_descriptor device_{io_};
  std::array<char, 64 * sizeof(input_event)> chunk_{};
  std::string bytes_, text_;
  int shift_ = 0;
};

using KeyMap = std::map<unsigned, std::pair<char, char>>;

// A row of keys from `first`: each character of `plain` unshifted and of
// `shifted` with shift; \x01 where the key types no ASCII character.
void row(KeyMap& m, unsigned first, std::string_view plain, std::string_view shifted) {
  for (size_t i = 0; i < plain.size(); ++i) {
    auto pick = [](char c) { return c == '\x01' ? '\0' : c; };
    m[first + static_cast<unsigned>(i)] = {pick(plain[i]), pick(shifted[i])};
  }
}

KeyMap keypad() {
  KeyMap m;
  const std::pair<unsigned, char> keys[] = {{KEY_KP0, '0'}, {KEY_KP1, '1'}, {KEY_KP2, '2'}, {KEY_KP3, '3'},
                                            {KEY_KP4, '4'}, {KEY_KP5, '5'}, {KEY_KP6, '6'}, {KEY_KP7, '7'},
                                            {KEY_KP8, '8'}, {KEY_KP9, '9'}, {KEY_KPDOT, '.'}, {KEY_KPMINUS, '-'},
                                            {KEY_KPPLUS, '+'}, {KEY_KPASTERISK, '*'}, {KEY_KPSLASH, '/'}};
  for (auto [k, c] : keys) m[k] = {c, c};
  m[KEY_SPACE] = {' ', ' '};
  return m;
}

// \x01 marks a key that types no ASCII character (é, è, ç, à, °, ù, µ, §, dead keys).
const KeyMap& layout_map(const std::string& layout) {
  static const KeyMap us = [] {
    KeyMap m = keypad();
    row(m, KEY_1, "1234567890-=", "!@#$%^&*()_+");
    row(m, KEY_Q, "qwertyuiop[]", "QWERTYUIOP{}");
    row(m, KEY_A, "asdfghjkl;'`", "ASDFGHJKL:\"~");
    row(m, KEY_BACKSLASH, "\\zxcvbnm,./", "|ZXCVBNM<>?");
    return m;
  }();
  static const KeyMap fr = [] {
    KeyMap m = keypad();
    row(m, KEY_1, "&\x01\"'(-\x01_\x01\x01)=", "1234567890\x01+");
    row(m, KEY_Q, "azertyuiop\x01$", "AZERTYUIOP\x01\x01");
    row(m, KEY_A, "qsdfghjklm\x01\x01", "QSDFGHJKLM%\x01");
    row(m, KEY_BACKSLASH, "*wxcvbn,;:!", "\x01WXCVBN?./\x01");
    return m;
  }();
  return layout == "fr" ? fr : us;
}

}  // namespace

char key_char(const std::string& layout, unsigned code, bool shift) {
  const KeyMap& m = layout_map(layout);
  auto it = m.find(code);
  if (it == m.end()) return 0;
  return shift ? it->second.second : it->second.first;
}

std::unique_ptr<Scanner> make_scanner(asio::io_context& io, ScannerConfig config, OnScan on_scan,
                                      std::shared_ptr<spdlog::logger> logger) {
  if (config.kind == "serial") return std::make_unique<SerialScanner>(io, std::move(config), std::move(on_scan), std::move(logger));
  if (config.kind == "evdev") return std::make_unique<EvdevScanner>(io, std::move(config), std::move(on_scan), std::move(logger));
  if (config.kind == "tcp") return std::make_unique<TcpScanner>(io, std::move(config), std::move(on_scan), std::move(logger));
  return nullptr;
}

}  // namespace posd::drivers
