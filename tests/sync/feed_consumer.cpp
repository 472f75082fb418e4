#include "tests/sync/feed_consumer.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>

namespace posd::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using Ws = beast::websocket::stream<beast::tcp_stream>;

namespace {

void handshake(Ws& ws, uint16_t port, const std::string& token, const std::string& target, const std::string& last_event_id,
               beast::websocket::response_type& res) {
  beast::get_lowest_layer(ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  ws.set_option(beast::websocket::stream_base::decorator([=](beast::websocket::request_type& req) {
    if (!token.empty()) req.set(beast::http::field::authorization, "Bearer " + token);
    if (!last_event_id.empty()) req.set("Last-Event-ID", last_event_id);
  }));
  ws.handshake(res, "127.0.0.1", target);
}

}  // namespace

FeedConsumer::FeedConsumer(uint16_t port, std::string token, std::optional<uint64_t> after, Seen seen)
    : port_(port), token_(std::move(token)), after_(after), seen_(std::move(seen)), thread_([this] { run(); }) {}

void FeedConsumer::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::vector<json> FeedConsumer::rows() const {
  std::lock_guard lock(mu_);
  return rows_;
}

std::vector<json> FeedConsumer::control() const {
  std::lock_guard lock(mu_);
  return control_;
}

uint64_t FeedConsumer::last_id() const {
  std::lock_guard lock(mu_);
  return rows_.empty() ? 0 : rows_.back()["id"].get<uint64_t>();
}

// Over 40 lines: connect, read until the connection ends, connect again.
void FeedConsumer::run() {
  while (!stop_) {
    asio::io_context ioc;
    Ws ws(ioc);
    const uint64_t last = last_id();
    try {
      beast::websocket::response_type res;
      const std::string target = last == 0 && after_ ? "/v1/feed?after=" + std::to_string(*after_) : "/v1/feed";
      handshake(ws, port_, token_, target, last ? std::to_string(last) : "", res);
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    ++connections_;
    bool open = true;
    beast::flat_buffer buf;
    std::function<void()> read = [&] {
      ws.async_read(buf, [&](beast::error_code ec, size_t) {
        if (ec) {
          open = false;
          return;
        }
        json m = json::parse(beast::buffers_to_string(buf.data()), nullptr, false);
        buf.consume(buf.size());
        {
          std::lock_guard lock(mu_);
          if (seen_ && m.contains("id")) seen_(m);
          (m.contains("id") ? rows_ : control_).push_back(std::move(m));
        }
        read();
      });
    };
    read();
    while (open && !stop_ && !drop_) ioc.run_for(std::chrono::milliseconds(50));
    drop_ = false;
    if (open) {
      beast::error_code ec;
      beast::get_lowest_layer(ws).socket().close(ec);
      ioc.run_for(std::chrono::milliseconds(200));
    }
  }
}

std::vector<json> read_feed(uint16_t port, const std::string& token, uint64_t after) {
  asio::io_context ioc;
  Ws ws(ioc);
  beast::websocket::response_type res;
  handshake(ws, port, token, "/v1/feed?after=" + std::to_string(after), "", res);
  std::vector<json> out;
  uint64_t last = 0;
  for (bool hello = false; !hello || (out.empty() ? after : out.back()["id"].get<uint64_t>()) < last;) {
    beast::flat_buffer buf;
    beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(10));
    ws.read(buf);
    json m = json::parse(beast::buffers_to_string(buf.data()));
    if (m["type"] == "hello") {
      hello = true;
      last = m["last_id"];
    } else if (m.contains("id")) {
      out.push_back(std::move(m));
    }
  }
  return out;
}

}  // namespace posd::test
