// The terminal API's HTTP/1.1 server (Boost.Beast): one listener, a session per
// connection, TLS (OpenSSL) unless the configuration asks for plain HTTP,
// keep-alive, a body limit, a timeout on every read, and WebSocket upgrades on
// one path, handed to an EventHub. Runs on the io_context it is given; every
// Handler call happens on that thread. A handler answers through Reply, now or
// later (after a journal commit); Reply must be called exactly once, on the
// io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "base/status.h"

namespace posd::http {

namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;
using Reply = std::function<void(Response)>;
using Handler = std::function<void(const Request&, Reply)>;

// {"error": {"code": code, "message": message}} with `status`.
Response error_response(bhttp::status status, const std::string& code, const std::string& message,
                        unsigned version = 11, bool keep_alive = true);

// One open WebSocket, as the hub sees it. send() may be called on the
// io_context's thread only; a client too slow to read loses the oldest
// messages (never the one being written) beyond 256 messages or 1 MiB queued.
// What the terminal sends is limited to 4 KiB a message (pings, the close).
class EventChannel {
 public:
  virtual ~EventChannel() = default;
  virtual void send(std::string text) = 0;
  virtual const std::string& terminal() const = 0;
  // The upgrade request's target ("/v1/feed?after=12") and Last-Event-ID
  // header (""): where a consumer that resumes stands.
  virtual const std::string& target() const = 0;
  virtual const std::string& last_event_id() const = 0;
  virtual size_t queued_bytes() const = 0;
  virtual size_t queued_messages() const = 0;  // waiting and in flight
  virtual uint64_t dropped() const = 0;  // messages lost to slow reading
};

// The Authorization a request carries: its header, or, for a WebSocket opened
// by a browser (which cannot set headers), the subprotocols "posd.bearer,
// TOKEN" as "Bearer TOKEN" (TOKEN "b64." + base64url: the token decoded, for
// tokens that hold characters a subprotocol may not). "" when neither.
std::string bearer_authorization(const Request& req);

// Who may open a WebSocket, and where open ones go.
class EventHub {
 public:
  virtual ~EventHub() = default;
  // Who an upgrade request authenticates (bearer_authorization), or nullopt.
  virtual std::optional<std::string> authorize(const Request& req) = 0;
  // The answer to an authorized upgrade request the hub refuses (a bad
  // parameter), or nullopt to accept it.
  virtual std::optional<Response> refuse(const Request&) { return std::nullopt; }
  virtual void attach(std::shared_ptr<EventChannel> channel) = 0;
  virtual void detach(EventChannel* channel) = 0;
};

class Server {
 public:
  struct Options {
    size_t body_limit = 64 * 1024;
    std::chrono::milliseconds read_timeout{30000};
    // nullptr: plain HTTP. Otherwise every connection must speak TLS.
    boost::asio::ssl::context* tls = nullptr;
    // The path where WebSocket upgrades go to `events` (when set); a plain GET
    // of it is answered 426 with Upgrade: websocket, before any handler.
    std::string events_path = "/v1/events";
    EventHub* events = nullptr;
  };

  Server(boost::asio::io_context& ioc, Handler handler, Options options);
  ~Server();

  // Binds and starts accepting. Returns the bound endpoint (port 0 picks one).
  Result<boost::asio::ip::tcp::endpoint> listen(const std::string& host, uint16_t port);
  // Stops accepting; idle connections close now, busy ones after their answer.
  void stop();
  size_t open_sessions() const { return sessions_.size(); }
  // Connections that could not be accepted (descriptors or memory exhausted);
  // each failure waits 10 ms to 1 s before the next try.
  uint64_t accept_failures() const { return accept_failures_; }

  // What sessions need of their server (internal).
  struct Closable {
    virtual ~Closable() = default;
    virtual void stop() = 0;
  };
  const Options& options() const { return options_; }
  const Handler& handler() const { return handler_; }
  void adopt(std::shared_ptr<Closable> s);
  void forget(Closable* s);

 private:
  void accept();

  boost::asio::io_context& ioc_;
  Handler handler_;
  Options options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_timer_;
  std::chrono::milliseconds accept_backoff_{0};
  std::chrono::steady_clock::time_point accept_logged_{};
  uint64_t accept_failures_ = 0;
  std::set<std::shared_ptr<Closable>> sessions_;
  bool stopping_ = false;
};

}  // namespace posd::http
