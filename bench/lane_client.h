// A lane's blocking HTTP/1.1 client for the benches: one keep-alive
// connection to posd on 127.0.0.1, JSON in and out (or text), a terminal's token. A
// refused request (4xx/5xx) is printed and ends the bench: a figure made of
// errors is no figure. `on_failure` runs first (kill the posd it started).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace posd::bench {

class LaneClient {
 public:
  LaneClient(uint16_t port, std::string token, std::function<void()> on_failure = {})
      : stream_(ioc_), token_(std::move(token)), on_failure_(std::move(on_failure)) {
    stream_.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  }
  nlohmann::json call(boost::beast::http::verb verb, const std::string& target,
                      const nlohmann::json& body = nullptr, const std::string& idempotency_key = {}) {
    return nlohmann::json::parse(text(verb, target, body.is_null() ? std::string() : body.dump(), idempotency_key));
  }
  // The same, the answer's body as it came (GET /metrics); `body` empty: none.
  std::string text(boost::beast::http::verb verb, const std::string& target, std::string body = {},
                   const std::string& idempotency_key = {}) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer " + token_);
    if (!idempotency_key.empty()) req.set("Idempotency-Key", idempotency_key);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = std::move(body);
    }
    req.prepare_payload();
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buf_, res);
    if (res.result_int() >= 400) {
      std::fprintf(stderr, "%s %s: %s\n", std::string(req.method_string()).c_str(), target.c_str(), res.body().c_str());
      if (on_failure_) on_failure_();
      std::abort();
    }
    body_bytes_ += res.body().size();
    return std::move(res.body());
  }
  // The answers' bodies so far, in bytes.
  size_t body_bytes() const { return body_bytes_; }

 private:
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buf_;
  std::string token_;
  std::function<void()> on_failure_;
  size_t body_bytes_ = 0;
};

}  // namespace posd::bench
