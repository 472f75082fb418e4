#include "daemon/http/server.h"

#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <nlohmann/json.hpp>

#include "daemon/log.h"

namespace posd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

Response error_response(bhttp::status status, const std::string& code, const std::string& message,
                        unsigned version, bool keep_alive) {
  Response res{status, version};
  res.set(bhttp::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump();
  res.prepare_payload();
  return res;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server& server) : stream_(std::move(socket)), server_(server) {}

  void start() { do_read(); }

  // Closes an idle connection now; a busy one closes after its answer.
  void stop() {
    closing_ = true;
    if (!busy_) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.close();
    }
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(server_.options_.body_limit);
    stream_.expires_after(server_.options_.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::bad_descriptor) {
      return finish();
    }
    if (ec == bhttp::error::body_limit) {
      return send(error_response(bhttp::status::payload_too_large, "body_too_large",
                                 "the request body exceeds " +
                                     std::to_string(server_.options_.body_limit) + " bytes",
                                 11, false));
    }
    if (ec) {
      return send(error_response(bhttp::status::bad_request, "bad_request",
                                 "malformed HTTP request: " + ec.message(), 11, false));
    }
    busy_ = true;
    Request req = parser_->release();
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    auto self = shared_from_this();
    server_.handler_(req, [self, version, keep_alive](Response res) {
      res.version(version);
      res.keep_alive(keep_alive && res.keep_alive() && !self->closing_);
      self->send(std::move(res));
    });
  }

  void send(Response res) {
    busy_ = true;
    res_ = std::make_shared<Response>(std::move(res));
    stream_.expires_after(server_.options_.read_timeout);
    bhttp::async_write(stream_, *res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->on_write(ec);
    });
  }

  void on_write(beast::error_code ec) {
    busy_ = false;
    const bool close = ec || !res_->keep_alive() || closing_;
    res_.reset();
    if (close) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return finish();
    }
    do_read();
  }

  void finish() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
    server_.sessions_.erase(shared_from_this());
  }

  beast::tcp_stream stream_;
  Server& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Response> res_;
  bool busy_ = false;
  bool closing_ = false;
};

Server::Server(asio::io_context& ioc, Handler handler, Options options)
    : ioc_(ioc), handler_(std::move(handler)), options_(options), acceptor_(ioc) {}

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
      auto s = std::make_shared<Session>(std::move(socket), *this);
      sessions_.insert(s);
      s->start();
    } else {
      log::get("http")->warn("accept: {}", ec.message());
    }
    accept();
  });
}

void Server::stop() {
  stopping_ = true;
  beast::error_code ec;
  acceptor_.close(ec);
  // stop() may erase from sessions_; walk a copy.
  auto sessions = sessions_;
  for (auto& s : sessions) s->stop();
}

}  // namespace posd::http
