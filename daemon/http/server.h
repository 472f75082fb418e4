// The terminal API's HTTP/1.1 server (Boost.Beast): one listener, a session per
// connection, keep-alive, a body limit, and a timeout on every read. Runs on
// the io_context it is given; every Handler call happens on that thread.
// A handler answers through Reply, now or later (after a journal commit);
// Reply must be called exactly once, on the io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "storage/status.h"

namespace posd::http {

namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;
using Reply = std::function<void(Response)>;
using Handler = std::function<void(const Request&, Reply)>;

// {"error": {"code": code, "message": message}} with `status`.
Response error_response(bhttp::status status, const std::string& code, const std::string& message,
                        unsigned version = 11, bool keep_alive = true);

class Session;

class Server {
 public:
  struct Options {
    size_t body_limit = 64 * 1024;
    std::chrono::milliseconds read_timeout{30000};
  };

  Server(boost::asio::io_context& ioc, Handler handler, Options options);
  ~Server();

  // Binds and starts accepting. Returns the bound endpoint (port 0 picks one).
  Result<boost::asio::ip::tcp::endpoint> listen(const std::string& host, uint16_t port);
  // Stops accepting; idle connections close now, busy ones after their answer.
  void stop();
  size_t open_sessions() const { return sessions_.size(); }

 private:
  friend class Session;
  void accept();

  boost::asio::io_context& ioc_;
  Handler handler_;
  Options options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::set<std::shared_ptr<Session>> sessions_;
  bool stopping_ = false;
};

}  // namespace posd::http
