#include "http/server.h"

#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <deque>

#include "base/allocator.h"
#include "base/json_fields.h"
#include "base/log.h"

namespace posd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

Response error_response(bhttp::status status, const std::string& code, const std::string& message,
                        unsigned version, bool keep_alive) {
  Response res{status, version};
  res.set(bhttp::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = to_json_text(nlohmann::json{{"error", {{"code", code}, {"message", message}}}});
  res.prepare_payload();
  return res;
}

namespace {

// base64url without padding, as browsers send a token that holds characters
// a subprotocol may not ("b64." + the token's base64url); nullopt when it is not.
std::optional<std::string> from_base64url(std::string_view text) {
  std::string b64(text);
  for (char& c : b64) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (!std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;
  }
  const size_t pad = (4 - b64.size() % 4) % 4;
  if (pad == 3) return std::nullopt;
  b64.append(pad, '=');
  std::string out(b64.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace

std::string bearer_authorization(const Request& req) {
  const std::string_view header = req[bhttp::field::authorization];
  if (!header.empty()) return std::string(header);
  std::string_view protocols = req[bhttp::field::sec_websocket_protocol];
  const auto comma = protocols.find(',');
  if (comma == std::string_view::npos || protocols.substr(0, comma) != "posd.bearer") return "";
  std::string_view token = protocols.substr(comma + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.substr(0, 4) == "b64.") {
    if (auto decoded = from_base64url(token.substr(4))) return "Bearer " + *decoded;
  }
  return "Bearer " + std::string(token);
}

namespace {

bool harmless(beast::error_code ec) {
  return ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
         ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::bad_descriptor || ec == asio::error::eof ||
         ec == asio::ssl::error::stream_truncated || ec == websocket::error::closed;
}

constexpr size_t kMaxQueuedEvents = 256;
// What one subscriber may have waiting, in bytes: a basket event carries the
// whole basket (at most max_lines lines, ~150 KB), so this keeps several.
constexpr size_t kMaxQueuedBytes = 1 << 20;
// The event stream needs nothing from the terminal but pings and the close.
constexpr size_t kMaxInboundMessage = 4096;

// RFC 9112 §6.1: chunked is the one transfer coding posd reads, and it must be
// the last (here: the only) one. nullopt when the request's framing is sound.
std::optional<Response> framing_error(const Request& req) {
  auto te = req.find(bhttp::field::transfer_encoding);
  if (te == req.end()) return std::nullopt;
  std::string v;
  for (char c : te->value()) {
    if (c != ' ' && c != '\t') v.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (v == "chunked") return std::nullopt;
  if (v.find("chunked") != std::string::npos && v.find(',') != std::string::npos) {
    return error_response(bhttp::status::bad_request, "bad_request",
                          "Transfer-Encoding: chunked must be the only transfer coding", 11, false);
  }
  return error_response(bhttp::status::not_implemented, "unsupported_transfer_encoding",
                        "Transfer-Encoding: only chunked is understood", 11, false);
}

// One WebSocket: server-to-terminal events; what the terminal sends is read
// (to see pings and the close) and otherwise ignored.
template <class Stream>
class WsSession : public Server::Closable, public EventChannel, public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(Stream&& stream, Server& server, std::string terminal)
      : ws_(std::move(stream)), server_(server), terminal_(std::move(terminal)) {}

  void run(Request req, bool subprotocol) {
    target_ = std::string(req.target());
    last_event_id_ = std::string(req["Last-Event-ID"]);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.read_message_max(kMaxInboundMessage);
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    if (subprotocol) {
      ws_.set_option(websocket::stream_base::decorator(
          [](websocket::response_type& res) { res.set(bhttp::field::sec_websocket_protocol, "posd.bearer"); }));
    }
    ws_.async_accept(req, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return self->finish();
      self->server_.options().events->attach(self);
      self->do_read();
    });
  }

  // A client too slow to read loses its oldest waiting messages; the one
  // being written lives apart (its bytes are in flight) and is never touched.
  void send(std::string text) override {
    if (finished_) return;
    queued_bytes_ += text.size();
    queue_.push_back(std::move(text));
    while ((queue_.size() > kMaxQueuedEvents || queued_bytes_ > kMaxQueuedBytes) && queue_.size() > 1) {
      queued_bytes_ -= queue_.front().size();
      queue_.pop_front();
      ++dropped_;
    }
    peak_bytes_ = std::max(peak_bytes_, queued_bytes_);
    if (!writing_) do_write();
  }
  const std::string& terminal() const override { return terminal_; }
  const std::string& target() const override { return target_; }
  const std::string& last_event_id() const override { return last_event_id_; }
  size_t queued_bytes() const override { return queued_bytes_; }
  size_t queued_messages() const override { return queue_.size() + (writing_ ? 1 : 0); }
  uint64_t dropped() const override { return dropped_; }

  void stop() override {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).close();
  }

 private:
  void do_read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->finish();
      self->buffer_.consume(self->buffer_.size());
      self->do_read();
    });
  }

  void do_write() {
    writing_ = true;
    in_flight_ = std::move(queue_.front());
    queue_.pop_front();
    ws_.text(true);
    ws_.async_write(asio::buffer(in_flight_), [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->writing_ = false;
      self->queued_bytes_ -= self->in_flight_.size();
      std::string().swap(self->in_flight_);
      if (ec) return self->finish();
      if (!self->queue_.empty()) self->do_write();
    });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    if (server_.options().events) server_.options().events->detach(this);
    stop();
    for (const std::string& m : queue_) queued_bytes_ -= m.size();
    std::deque<std::string>().swap(queue_);
    // A subscriber that held a lot gives it back to the system, not just to the heap.
    if (peak_bytes_ > kMaxQueuedBytes / 4) release_free_memory();
    server_.forget(this);
  }

  websocket::stream<Stream> ws_;
  Server& server_;
  std::string terminal_;
  std::string target_, last_event_id_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;  // waiting, oldest first
  std::string in_flight_;          // being written: its bytes belong to async_write
  size_t queued_bytes_ = 0;        // waiting and in flight
  size_t peak_bytes_ = 0;
  uint64_t dropped_ = 0;
  bool writing_ = false;
  bool finished_ = false;
};

// The HTTP part, shared by plain and TLS sessions (Beast's CRTP pattern).
template <class Derived>
class HttpSession : public Server::Closable {
 public:
  explicit HttpSession(Server& server) : server_(server) {}

  // Closes an idle connection now; a busy one closes after its answer.
  void stop() override {
    closing_ = true;
    if (!busy_) close_now();
  }

 protected:
  Derived& derived() { return static_cast<Derived&>(*this); }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(server_.options().body_limit);
    beast::get_lowest_layer(derived().stream()).expires_after(server_.options().read_timeout);
    bhttp::async_read(derived().stream(), buffer_, *parser_,
                      [self = derived().shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void close_now() {
    beast::error_code ec;
    beast::get_lowest_layer(derived().stream()).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(derived().stream()).close();
  }

  void finish() {
    beast::error_code ec;
    beast::get_lowest_layer(derived().stream()).socket().close(ec);
    server_.forget(this);
  }

  Server& server_;
  beast::flat_buffer buffer_;

 private:
  void on_read(beast::error_code ec) {
    if (harmless(ec)) return finish();
    if (ec == bhttp::error::body_limit) {
      return send(error_response(bhttp::status::payload_too_large, "body_too_large",
                                 "the request body exceeds " + std::to_string(server_.options().body_limit) + " bytes",
                                 11, false));
    }
    if (ec) {
      return send(error_response(bhttp::status::bad_request, "bad_request", "malformed HTTP request: " + ec.message(), 11, false));
    }
    if (auto bad = framing_error(parser_->get())) return send(std::move(*bad));
    if (websocket::is_upgrade(parser_->get())) return upgrade();
    if (auto plain = not_upgraded(parser_->get())) return send(std::move(*plain));
    busy_ = true;
    Request req = parser_->release();
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    auto self = derived().shared_from_this();
    auto replied = std::make_shared<bool>(false);
    try {
      server_.handler()(req, [self, version, keep_alive, replied](Response res) {
        if (*replied) return;  // answered already (a 500 for a handler that threw)
        *replied = true;
        res.version(version);
        res.keep_alive(keep_alive && res.keep_alive() && !self->closing_);
        self->send(std::move(res));
      });
    } catch (const std::exception& e) {
      // A fault in one handler answers that request; the server goes on serving everyone else.
      log::get("http")->error("{} answered 500: the handler threw: {}", std::string(req.method_string()), e.what());
      if (!*replied) {
        *replied = true;
        send(error_response(bhttp::status::internal_server_error, "internal", "the request failed inside posd", version, false));
      }
    }
  }

  // A plain GET of the event stream's path: 426, naming the protocol (RFC 9110).
  std::optional<Response> not_upgraded(const Request& req) const {
    const std::string& path = server_.options().events_path;
    if (!server_.options().events || req.method() != bhttp::verb::get || req.target().substr(0, req.target().find('?')) != path) {
      return std::nullopt;
    }
    Response res = error_response(bhttp::status::upgrade_required, "upgrade_required",
                                  "GET " + path + " is a WebSocket: ask with Connection: Upgrade and Upgrade: websocket",
                                  req.version(), req.keep_alive());
    res.set(bhttp::field::upgrade, "websocket");
    return res;
  }

  void upgrade() {
    EventHub* hub = server_.options().events;
    const std::string target(parser_->get().target().substr(0, parser_->get().target().find('?')));
    if (!hub || target != server_.options().events_path) {
      return send(error_response(bhttp::status::not_found, "not_found", "no WebSocket at this path", 11, false));
    }
    auto terminal = hub->authorize(parser_->get());
    if (!terminal) {
      return send(error_response(bhttp::status::unauthorized, "unauthorized", "a bearer token is required", 11, false));
    }
    if (auto refused = hub->refuse(parser_->get())) {
      refused->keep_alive(false);
      return send(std::move(*refused));
    }
    const bool subprotocol = parser_->get()[bhttp::field::sec_websocket_protocol].find("posd.bearer") != std::string_view::npos;
    using S = std::remove_reference_t<decltype(derived().stream())>;
    auto ws = std::make_shared<WsSession<S>>(derived().release_stream(), server_, *terminal);
    server_.adopt(ws);
    ws->run(parser_->release(), subprotocol);
    server_.forget(this);
  }

  void send(Response res) {
    busy_ = true;
    res_ = std::make_shared<Response>(std::move(res));
    beast::get_lowest_layer(derived().stream()).expires_after(server_.options().read_timeout);
    bhttp::async_write(derived().stream(), *res_, [self = derived().shared_from_this()](beast::error_code ec, size_t) {
      self->on_write(ec);
    });
  }

  void on_write(beast::error_code ec) {
    busy_ = false;
    const bool close = ec || !res_->keep_alive() || closing_;
    res_.reset();
    if (close) return derived().do_eof();
    do_read();
  }

  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Response> res_;
  bool busy_ = false;
  bool closing_ = false;
};

class PlainSession : public HttpSession<PlainSession>, public std::enable_shared_from_this<PlainSession> {
 public:
  PlainSession(tcp::socket socket, Server& server) : HttpSession(server), stream_(std::move(socket)) {}
  void run() { do_read(); }
  beast::tcp_stream& stream() { return stream_; }
  beast::tcp_stream release_stream() { return std::move(stream_); }
  void do_eof() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    finish();
  }

 private:
  beast::tcp_stream stream_;
};

class TlsSession : public HttpSession<TlsSession>, public std::enable_shared_from_this<TlsSession> {
 public:
  TlsSession(tcp::socket socket, asio::ssl::context& ctx, Server& server)
      : HttpSession(server), stream_(std::move(socket), ctx) {}
  void run() {
    beast::get_lowest_layer(stream_).expires_after(server_.options().read_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->finish();  // not TLS, or a bad handshake: nothing to answer
      self->do_read();
    });
  }
  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }
  beast::ssl_stream<beast::tcp_stream> release_stream() { return std::move(stream_); }
  void do_eof() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->finish(); });
  }

 private:
  beast::ssl_stream<beast::tcp_stream> stream_;
};

}  // namespace

Server::Server(asio::io_context& ioc, Handler handler, Options options)
    : ioc_(ioc), handler_(std::move(handler)), options_(std::move(options)), acceptor_(ioc), accept_timer_(ioc) {}

Server::~Server() = default;

Result<tcp::endpoint> Server::listen(const std::string& host, uint16_t port) {
  beast::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return Status::invalid_argument("listen: \"" + host + "\" is not an IP address");
  tcp::endpoint ep(addr, port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::io_error("listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  auto bound = acceptor_.local_endpoint(ec);
  accept();
  return bound;
}

void Server::accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (stopping_ || ec == asio::error::operation_aborted) return;
    if (!ec) {
      if (options_.tls) {
        auto s = std::make_shared<TlsSession>(std::move(socket), *options_.tls, *this);
        sessions_.insert(s);
        s->run();
      } else {
        auto s = std::make_shared<PlainSession>(std::move(socket), *this);
        sessions_.insert(s);
        s->run();
      }
      accept_backoff_ = std::chrono::milliseconds(0);
      accept();
      return;
    }
    // Out of descriptors (or memory): wait before trying again, doubling up to
    // a second, and say so once per interval rather than once per attempt.
    ++accept_failures_;
    accept_backoff_ = std::clamp(accept_backoff_ * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
    const auto now = std::chrono::steady_clock::now();
    if (now - accept_logged_ > std::chrono::seconds(10)) {
      log::get("http")->warn("accept: {} ({} failures so far; retrying with backoff)", ec.message(), accept_failures_);
      accept_logged_ = now;
    }
    accept_timer_.expires_after(accept_backoff_);
    accept_timer_.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && !stopping_) accept();
    });
  });
}

void Server::adopt(std::shared_ptr<Closable> s) { sessions_.insert(std::move(s)); }

void Server::forget(Closable* s) {
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->get() == s) {
      sessions_.erase(it);
      return;
    }
  }
}

void Server::stop() {
  stopping_ = true;
  beast::error_code ec;
  acceptor_.close(ec);
  accept_timer_.cancel();
  auto sessions = sessions_;  // stop() may erase from sessions_
  for (auto& s : sessions) s->stop();
}

}  // namespace posd::http
