// libFuzzer target for the WebSocket event stream's inbound path, over a real
// loopback socket to the real http::Server and Events hub in process: the
// upgrade (with the fuzzer's Sec-WebSocket-Protocol header, where a browser's
// token rides) and then whatever frames the fuzzer writes, while events are
// published to the stream. The server must survive every input (ASan checks
// the queue and the buffers); the session ends when the client goes.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <cstdlib>
#include <thread>

#include "daemon/config.h"
#include "daemon/events.h"
#include "http/server.h"
#include "base/log.h"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace posd;

struct World {
  asio::io_context ioc;
  std::unique_ptr<Terminals> terminals;
  std::unique_ptr<Events> events;
  std::unique_ptr<http::Server> server;
  uint16_t port = 0;
  std::thread loop;

  World() {
    spdlog::set_level(spdlog::level::off);
    auto c = parse_config({{"store_id", "FUZZ"}, {"database", "/dev/null"}, {"listen", "127.0.0.1:0"}, {"plain_http", true},
                           {"terminals", {{{"id", "lane-1"}, {"token", "fuzz-cashier-token-0123"}, {"role", "cashier"}}}}});
    if (!c) std::abort();
    terminals = std::make_unique<Terminals>(c->terminals);
    events = std::make_unique<Events>(*terminals);
    http::Server::Options o;
    o.events = events.get();
    o.read_timeout = std::chrono::milliseconds(2000);
    server = std::make_unique<http::Server>(
        ioc, [](const http::Request&, http::Reply reply) { reply(http::error_response(http::bhttp::status::not_found, "not_found", "x")); }, o);
    auto ep = server->listen("127.0.0.1", 0);
    if (!ep) std::abort();
    port = ep->port();
    loop = std::thread([this] {
      auto guard = asio::make_work_guard(ioc);
      ioc.run();
    });
  }
};

World& world() {
  static World* w = new World();
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World& w = world();
  // The first line (up to a newline) is the Sec-WebSocket-Protocol value; the rest, frames.
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  std::string protocols = nl == std::string_view::npos ? std::string() : std::string(input.substr(0, nl));
  std::string_view frames = nl == std::string_view::npos ? input : input.substr(nl + 1);
  for (char& c : protocols) {
    if (c == '\r' || c == '\0') c = ' ';
  }
  const bool by_header = size % 2 == 0;
  std::string request = "GET /v1/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  if (by_header) request += "Authorization: Bearer fuzz-cashier-token-0123\r\n";
  if (!protocols.empty()) request += "Sec-WebSocket-Protocol: " + protocols + "\r\n";
  request += "\r\n";
  request.append(frames);

  asio::io_context io;
  tcp::socket s(io);
  boost::system::error_code ec;
  // Loopback ports run out after a few hundred thousand runs: wait for them,
  // and close with a reset (linger 0) so that no TIME_WAIT is left behind.
  for (int attempt = 0; attempt < 500; ++attempt) {
    s.close(ec);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), w.port), ec);
    if (!ec) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (ec) std::abort();  // the server is gone
  s.set_option(asio::socket_base::linger(true, 0), ec);
  asio::write(s, asio::buffer(request), ec);
  // Events for the stream while it reads.
  asio::post(w.ioc, [&w] { w.events->publish("lane-1", {{"type", "basket"}, {"n", 1}}); });
  s.shutdown(tcp::socket::shutdown_send, ec);
  char buf[4096];
  while (!ec) s.read_some(asio::buffer(buf), ec);
  return 0;
}
