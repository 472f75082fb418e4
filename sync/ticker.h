// Calls a function every `every` on an io_context until stop() or
// destruction, never after. What the store's and HQ's ends of the link use to
// look for new work (events to send, down-log entries, stalled windows).
// Lives on the io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace posd::sync {

class Ticker {
 public:
  Ticker(boost::asio::io_context& io, std::chrono::milliseconds every) : timer_(io), every_(every) {}
  ~Ticker() { stop(); }
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

  void start(std::function<void()> tick) {
    stop();
    tick_ = std::move(tick);
    alive_ = std::make_shared<bool>(true);
    arm();
  }
  void stop() {
    if (alive_) *alive_ = false;
    timer_.cancel();
  }

 private:
  void arm() {
    timer_.expires_after(every_);
    timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
      if (ec || !*alive) return;
      tick_();
      if (*alive) arm();
    });
  }

  boost::asio::steady_timer timer_;
  std::chrono::milliseconds every_;
  std::function<void()> tick_;
  std::shared_ptr<bool> alive_;
};

}  // namespace posd::sync
