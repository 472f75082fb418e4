#include "base/loop_post.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <deque>
#include <iterator>
#include <mutex>
#include <system_error>

#include <boost/asio/posix/stream_descriptor.hpp>

namespace posd {

namespace {

// One per io_context (an asio service: made at the first post, gone with
// the io_context). The eventfd is watched only while handlers wait, so an
// io_context with nothing posted still runs out of work and returns.
class Inbox : public boost::asio::execution_context::service {
 public:
  static inline boost::asio::execution_context::id id;

  explicit Inbox(boost::asio::io_context& io) : service(io), bell_(io, open_bell()) {}

  void post(std::function<void()> f) {
    bool ring = false;
    {
      std::lock_guard lock(mu_);
      ring = arm();  // first: what throws here leaves nothing queued
      waiting_.push_back(std::move(f));
    }
    if (ring) this->ring();
  }

 private:
  static int open_bell() {
    const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    return fd;
  }

  // Under mu_: watches the bell, unless it is watched already. True: ring it.
  bool arm() {
    if (armed_) return false;
    // Whatever the wait ends with, the waiting handlers are looked at: an
    // error must not leave the bell armed and never rung. Aborted: the
    // io_context is going.
    bell_.async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
      if (ec != boost::asio::error::operation_aborted) run();
    });
    armed_ = true;
    return true;
  }

  void ring() {
    const uint64_t one = 1;
    while (::write(bell_.native_handle(), &one, sizeof one) < 0 && errno == EINTR) {
    }
  }

  // On the loop: every handler posted until now, in order.
  void run() {
    uint64_t rung = 0;
    while (::read(bell_.native_handle(), &rung, sizeof rung) < 0 && errno == EINTR) {
    }
    std::deque<std::function<void()>> now;
    {
      std::lock_guard lock(mu_);
      armed_ = false;
      now.swap(waiting_);
    }
    while (!now.empty()) {
      std::function<void()> f = std::move(now.front());
      now.pop_front();
      try {
        f();
      } catch (...) {
        // As asio would, the exception leaves run(); the rest wait for the next turn.
        bool ring = false;
        {
          std::lock_guard lock(mu_);
          waiting_.insert(waiting_.begin(), std::make_move_iterator(now.begin()), std::make_move_iterator(now.end()));
          ring = !waiting_.empty() && arm();
        }
        if (ring) this->ring();
        throw;
      }
    }
  }

  void shutdown() override {
    std::deque<std::function<void()>> never;  // the io_context is going: destroyed, not run
    {
      std::lock_guard lock(mu_);
      never.swap(waiting_);
    }
  }  // destroyed here, outside the lock, as asio destroys its own

  std::mutex mu_;
  std::deque<std::function<void()>> waiting_;
  bool armed_ = false;
  boost::asio::posix::stream_descriptor bell_;
};

}  // namespace

void loop_post(boost::asio::io_context& io, std::function<void()> f) {
  boost::asio::use_service<Inbox>(io).post(std::move(f));
}

}  // namespace posd
