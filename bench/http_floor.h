// The floor under posd's API: a bare Beast HTTP/1.1 server that reads each
// request and answers it with one fixed JSON body, on `threads` loop threads,
// in a child process of its own (its CPU apart from the bench's). Whatever
// posd does per request comes on top of this; the lanes that run against posd
// run against it unchanged (the body carries the "id" and "due" they read).
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace posd::bench {

namespace floor_detail {

namespace beast = boost::beast;
namespace asio = boost::asio;
namespace http = beast::http;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::ip::tcp::socket s, const std::string& body) : stream_(std::move(s)), body_(body) {}
  void read() {
    req_ = {};
    http::async_read(stream_, buf_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->answer();
    });
  }

 private:
  void answer() {
    res_ = http::response<http::string_body>{http::status::ok, req_.version()};
    res_.set(http::field::content_type, "application/json");
    res_.keep_alive(req_.keep_alive());
    res_.body() = body_;
    res_.prepare_payload();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->read();
    });
  }
  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  const std::string& body_;
};

inline void accept(asio::ip::tcp::acceptor& a, const std::string& body) {
  a.async_accept([&a, &body](beast::error_code ec, asio::ip::tcp::socket s) {
    if (!ec) std::make_shared<Session>(std::move(s), body)->read();
    accept(a, body);
  });
}

}  // namespace floor_detail

// Starts the floor server in a child process; returns its pid and port. The
// caller kills it (SIGKILL) when done.
inline std::pair<pid_t, uint16_t> start_http_floor(int threads, size_t body_bytes) {
  namespace asio = boost::asio;
  int fds[2];
  if (pipe(fds) != 0) return {-1, 0};
  pid_t pid = fork();
  if (pid != 0) {
    close(fds[1]);
    uint16_t port = 0;
    if (pid < 0 || read(fds[0], &port, sizeof port) != sizeof port) port = 0;
    close(fds[0]);
    return {pid, port};
  }
  close(fds[0]);
  std::string body = R"({"id":"floor","due":517,"pad":")";
  body.append(body_bytes > body.size() + 2 ? body_bytes - body.size() - 2 : 0, 'x');
  body += "\"}";
  asio::io_context ioc(threads);
  asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const uint16_t port = acceptor.local_endpoint().port();
  if (write(fds[1], &port, sizeof port) != sizeof port) _exit(1);
  close(fds[1]);
  floor_detail::accept(acceptor, body);
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  _exit(0);
}

}  // namespace posd::bench
