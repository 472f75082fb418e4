// GET /v1/feed, a WebSocket (docs/hq-openapi.yaml): HQ's feed (hq/feed.h)
// to its consumers. A consumer says where it stands — ?after=ID, or the
// Last-Event-ID header when it reconnects; neither: from the next row — and
// gets every row after it, once, in order, one row a message. Rows are read
// for a consumer only when few of its messages wait unsent, so a slow one
// falls behind and catches up but never loses a row. The first message is
// {"type": "hello", "after", "last_id"}; a consumer whose position was
// dropped by retention (by any instance, then or later), or that names an
// id this feed never gave, gets {"type": "gap", "after", "oldest_id"}: what
// it missed is gone, and it should read availability again. Rows older than
// `keep` are dropped once an hour. On the io_context's thread, with a
// database connection of its own; other instances' rows are read too.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "hq/store.h"
#include "http/server.h"

namespace posd::hq {

class FeedHub final : public http::EventHub {
 public:
  struct Options {
    std::chrono::milliseconds poll{25};      // how often a consumer that is up to date looks again
    std::chrono::hours keep{24 * 7};         // retention
    size_t page = 128;                       // rows read for one consumer at once
  };
  // The token name an upgrade request authenticates, or nullopt.
  using Authorize = std::function<std::optional<std::string>(const http::Request&)>;

  FeedHub(boost::asio::io_context& io, std::unique_ptr<HqStore> store, Authorize authorize, Options options);
  void start();
  void stop();
  // Looks for new rows now rather than at the next poll (this process just
  // committed some).
  void poke();
  size_t consumers() const { return consumers_.size(); }

  std::optional<std::string> authorize(const http::Request& req) override { return authorize_(req); }
  std::optional<http::Response> refuse(const http::Request& req) override;
  void attach(std::shared_ptr<http::EventChannel> channel) override;
  void detach(http::EventChannel* channel) override;

 private:
  struct Consumer {
    std::shared_ptr<http::EventChannel> channel;
    std::optional<uint64_t> after;  // nullopt: not placed yet (the database did not answer)
    std::optional<uint64_t> asked;  // where it asked to start; nullopt: from the next row
  };
  void schedule(std::chrono::milliseconds in);
  void tick();
  void place(Consumer& c, const FeedBounds& bounds);
  void retain();

  boost::asio::io_context& io_;
  std::unique_ptr<HqStore> store_;
  Authorize authorize_;
  Options options_;
  boost::asio::steady_timer timer_;
  std::map<http::EventChannel*, Consumer> consumers_;
  std::chrono::steady_clock::time_point next_retain_{};
  bool stopped_ = false;
};

// Where a feed request asks to start: ?after=ID, else Last-Event-ID, else
// nullopt (from the next row); an error for a value that is not an id.
Result<std::optional<uint64_t>> feed_position(std::string_view target, std::string_view last_event_id);

}  // namespace posd::hq
