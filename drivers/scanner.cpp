#include "drivers/scanner.h"

#include "drivers/scan_decoder.h"

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
  // What the decoders hand over goes to on_scan.
  ScanSink sink() {
    return [this](const std::string& scan) { on_scan_(config_, scan); };
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
  const SerialPort& settings() const { return std::get<SerialPort>(config_.port); }
  void open() override {
    error_code ec;
    serial_.open(settings().path, ec);
    if (ec) return fail("cannot open " + settings().path + ": " + ec.message());
    using sp = asio::serial_port_base;
    serial_.set_option(sp::baud_rate(settings().baud), ec);
    if (!ec) serial_.set_option(sp::character_size(8), ec);
    if (!ec) serial_.set_option(sp::parity(sp::parity::none), ec);
    if (!ec) serial_.set_option(sp::stop_bits(sp::stop_bits::one), ec);
    if (!ec) serial_.set_option(sp::flow_control(sp::flow_control::none), ec);
    if (ec) return fail("cannot set up " + settings().path + ": " + ec.message());
    lines_.reset();
    connected("reading " + settings().path);
    read();
  }
  void close() override {
    error_code ec;
    serial_.close(ec);
  }
  void read() {
    serial_.async_read_some(asio::buffer(chunk_), [this, alive = alive_](const error_code& ec, size_t n) {
      if (!*alive) return;
      if (ec) return fail(settings().path + ": " + ec.message());  // unplugged: EIO, or the node is gone
      lines_.feed(std::string_view(chunk_.data(), n), sink());
      read();
    });
  }

  asio::serial_port serial_{io_};
  std::array<char, 256> chunk_{};
  // CRLF ends on LF and CR alike; a CR or LF alone is the configured end.
  LineDecoder lines_{settings().suffix == "LF" ? "\n" : settings().suffix == "CR" ? "\r" : "\r\n"};
};

class TcpScanner : public Source {
 public:
  using Source::Source;

 private:
  struct Connection {
    explicit Connection(asio::io_context& io) : socket(io) {}
    asio::ip::tcp::socket socket;
    std::array<char, 512> chunk{};
    LineDecoder lines{"\r\n"};
  };

  const NetworkScanner& settings() const { return std::get<NetworkScanner>(config_.port); }
  void open() override {
    auto colon = settings().listen.rfind(':');
    error_code ec;
    auto address = asio::ip::make_address(settings().listen.substr(0, colon), ec);
    if (colon == std::string::npos || ec) return fail("listen must be host:port, not \"" + settings().listen + "\"");
    asio::ip::tcp::endpoint ep(address, static_cast<uint16_t>(std::stoul(settings().listen.substr(colon + 1))));
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("cannot listen on " + settings().listen + ": " + ec.message());
    connected("listening on " + settings().listen);
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
      c->lines.feed(std::string_view(c->chunk.data(), n), sink());
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
  const KeyboardWedge& settings() const { return std::get<KeyboardWedge>(config_.port); }
  void open() override {
    const int fd = ::open(settings().path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return fail("cannot open " + settings().path + ": " + std::strerror(errno));
    // Take the device for ourselves: its keystrokes must not reach a console.
    // Only a real input device can be grabbed (tests feed a pipe).
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && ::ioctl(fd, EVIOCGRAB, 1) != 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return fail("cannot grab " + settings().path + ": " + why);
    }
    device_.assign(fd);
    keys_.reset();
    connected("reading " + settings().path + " (" + settings().layout + " layout)");
    read();
  }
  void close() override {
    error_code ec;
    device_.close(ec);
  }
  void read() {
    device_.async_read_some(asio::buffer(chunk_), [this, alive = alive_](const error_code& ec, size_t n) {
      if (!*alive) return;
      if (ec) return fail(settings().path + ": " + (ec == asio::error::eof ? "closed" : ec.message()));
      keys_.feed(std::string_view(chunk_.data(), n), sink());
      read();
    });
  }

  asio::posix::stream_descriptor device_{io_};
  std::array<char, 64 * sizeof(input_event)> chunk_{};
  KeyDecoder keys_{settings().layout};
};

SerialPort parse_serial(Fields& f) {
  SerialPort p;
  p.path = f.string("path");
  p.baud = static_cast<unsigned>(f.optional_integer("baud", 1200, 921600).value_or(9600));
  p.suffix = f.optional_string("suffix").value_or("CR");
  if (p.suffix != "CR" && p.suffix != "LF" && p.suffix != "CRLF") throw FieldError{f.child("suffix"), "must be one of CR, LF, CRLF"};
  return p;
}

KeyboardWedge parse_evdev(Fields& f) {
  KeyboardWedge k;
  k.path = f.string("path");
  k.layout = f.optional_string("layout").value_or("us");
  if (k.layout != "us" && k.layout != "fr") throw FieldError{f.child("layout"), "must be one of us, fr"};
  return k;
}

NetworkScanner parse_tcp(Fields& f) {
  NetworkScanner n;
  n.listen = f.string("listen");
  if (n.listen.rfind(':') == std::string::npos) throw FieldError{f.child("listen"), "must be host:port"};
  return n;
}

// One row per alternative of ScannerPort, in its order.
const ScannerKind kKinds[] = {
    {"serial", [](Fields& f) -> ScannerPort { return parse_serial(f); }},
    {"evdev", [](Fields& f) -> ScannerPort { return parse_evdev(f); }},
    {"tcp", [](Fields& f) -> ScannerPort { return parse_tcp(f); }},
};
static_assert(std::size(kKinds) == std::variant_size_v<ScannerPort>);

}  // namespace

std::span<const ScannerKind> scanner_kinds() { return kKinds; }

std::string_view ScannerConfig::kind() const { return kKinds[port.index()].type; }

const std::string& ScannerConfig::at() const {
  struct At {
    const std::string& operator()(const SerialPort& p) const { return p.path; }
    const std::string& operator()(const KeyboardWedge& k) const { return k.path; }
    const std::string& operator()(const NetworkScanner& n) const { return n.listen; }
  };
  return std::visit(At{}, port);
}

std::unique_ptr<Scanner> make_scanner(asio::io_context& io, ScannerConfig config, OnScan on_scan,
                                      std::shared_ptr<spdlog::logger> logger) {
  struct Make {
    asio::io_context& io;
    ScannerConfig& c;
    OnScan& on_scan;
    std::shared_ptr<spdlog::logger>& log;
    std::unique_ptr<Scanner> operator()(const SerialPort&) { return std::make_unique<SerialScanner>(io, std::move(c), std::move(on_scan), std::move(log)); }
    std::unique_ptr<Scanner> operator()(const KeyboardWedge&) { return std::make_unique<EvdevScanner>(io, std::move(c), std::move(on_scan), std::move(log)); }
    std::unique_ptr<Scanner> operator()(const NetworkScanner&) { return std::make_unique<TcpScanner>(io, std::move(c), std::move(on_scan), std::move(log)); }
  };
  const ScannerPort port = config.port;
  return std::visit(Make{io, config, on_scan, logger}, port);
}

}  // namespace posd::drivers
