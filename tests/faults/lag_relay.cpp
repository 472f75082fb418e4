// lag_relay LISTEN_HOST:PORT TARGET_HOST:PORT DELAY_MS JITTER_MS
// A TCP relay for the bad-network test: every chunk read on one side is
// written to the other DELAY_MS ± JITTER_MS later (uniform), in order, as a
// link with that latency and jitter would deliver a TCP stream. An upstream
// that cannot be reached closes the downstream connection; either side
// closing closes the other once what was in flight has been written.
// Prints "relaying" once it listens.
#include <utility>  // before Boost.Asio: its awaitable.hpp needs std::exchange

#include <boost/asio.hpp>

#include <chrono>
#include <cstdio>
#include <deque>
#include <memory>
#include <random>
#include <string>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

std::chrono::milliseconds g_delay{0}, g_jitter{0};
std::mt19937 g_rng{std::random_device{}()};

tcp::endpoint endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  return {asio::ip::make_address(text.substr(0, colon)), static_cast<unsigned short>(std::stoi(text.substr(colon + 1)))};
}

// One direction of a connection: reads from `from`, writes to `to` later.
struct Pump : std::enable_shared_from_this<Pump> {
  struct Chunk {
    std::chrono::steady_clock::time_point due;
    std::string bytes;
  };
  std::shared_ptr<tcp::socket> from, to;
  asio::steady_timer timer;
  std::deque<Chunk> queue;
  std::array<char, 16384> buf{};
  bool writing = false, ended = false;
  std::chrono::steady_clock::time_point last_due{};

  Pump(std::shared_ptr<tcp::socket> f, std::shared_ptr<tcp::socket> t) : from(std::move(f)), to(std::move(t)), timer(from->get_executor()) {}

  void read() {
    from->async_read_some(asio::buffer(buf), [self = shared_from_this()](const error_code& ec, size_t n) {
      if (ec) {
        self->ended = true;
        self->write();
        return;
      }
      std::uniform_int_distribution<int64_t> d(g_delay.count() - g_jitter.count(), g_delay.count() + g_jitter.count());
      auto due = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<int64_t>(0, d(g_rng)));
      self->last_due = std::max(self->last_due, due);  // a stream keeps its order
      self->queue.push_back({self->last_due, std::string(self->buf.data(), n)});
      self->write();
      self->read();
    });
  }

  void write() {
    if (writing) return;
    if (queue.empty()) {
      if (ended) {
        error_code ignored;
        to->shutdown(tcp::socket::shutdown_send, ignored);
      }
      return;
    }
    writing = true;
    timer.expires_at(queue.front().due);
    timer.async_wait([self = shared_from_this()](const error_code&) {
      asio::async_write(*self->to, asio::buffer(self->queue.front().bytes), [self](const error_code& ec, size_t) {
        self->writing = false;
        self->queue.pop_front();
        if (ec) {
          error_code ignored;
          self->from->close(ignored);
          self->to->close(ignored);
          self->queue.clear();
          return;
        }
        self->write();
      });
    });
  }
};

void accept(tcp::acceptor& acceptor, const tcp::endpoint& target) {
  acceptor.async_accept([&acceptor, target](const error_code& ec, tcp::socket s) {
    if (!ec) {
      auto down = std::make_shared<tcp::socket>(std::move(s));
      auto up = std::make_shared<tcp::socket>(acceptor.get_executor());
      up->async_connect(target, [down, up](const error_code& ec) {
        if (ec) {
          error_code ignored;
          down->close(ignored);
          return;
        }
        std::make_shared<Pump>(down, up)->read();
        std::make_shared<Pump>(up, down)->read();
      });
    }
    accept(acceptor, target);
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: lag_relay LISTEN_HOST:PORT TARGET_HOST:PORT DELAY_MS JITTER_MS\n");
    return 2;
  }
  try {
    g_delay = std::chrono::milliseconds(std::stoi(argv[3]));
    g_jitter = std::chrono::milliseconds(std::stoi(argv[4]));
    asio::io_context io;
    tcp::acceptor acceptor(io, endpoint(argv[1]));
    accept(acceptor, endpoint(argv[2]));
    std::fprintf(stderr, "relaying %s to %s\n", argv[1], argv[2]);
    io.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lag_relay: %s\n", e.what());
    return 1;
  }
}
