// GET /v1/events: each terminal's WebSocket stream of what concerns it —
// its basket changes, every low-stock alert, and (with the drivers) its
// scanner's scans. Messages are JSON objects with a "type". Lives on the
// io_context's thread.
#pragma once

#include <set>

#include "http/server.h"
#include "daemon/terminals.h"

namespace posd {

class Events final : public http::EventHub {
 public:
  // `terminals` must outlive this.
  explicit Events(const Terminals& terminals) : terminals_(terminals) {}

  std::optional<std::string> authorize(const http::Request& req) override;
  void attach(std::shared_ptr<http::EventChannel> channel) override;
  void detach(http::EventChannel* channel) override;

  // Sends `event` to `terminal`'s streams, or to every stream when `terminal` is empty.
  void publish(const std::string& terminal, const nlohmann::json& event);
  // Whether publish(terminal, …) would reach an open stream: an event no one
  // would receive is not built (a basket's copy and text, every scan).
  bool listening(const std::string& terminal) const;
  size_t open_streams() const { return channels_.size(); }
  // Bytes waiting in every stream's queue, and messages ever dropped for slow readers.
  size_t queued_bytes() const;
  uint64_t dropped() const;

 private:
  const Terminals& terminals_;
  uint64_t dropped_by_closed_ = 0;
  std::set<std::shared_ptr<http::EventChannel>> channels_;
};

}  // namespace posd
