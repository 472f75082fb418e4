// A consumer of HQ's feed (GET /v1/feed, a WebSocket) as another channel
// would write one: it starts from ?after=0 (or from now), keeps every row
// it gets, and when its connection drops (posd-hq restarted, or drop()) it
// connects again with Last-Event-ID: the last id it saw. Runs on a thread
// of its own until stop() or the end of its scope.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace posd::test {

class FeedConsumer {
 public:
  // `after`: where the first connection starts (nullopt: from the next row);
  // `seen`, when given, is called with each row as it arrives, on the
  // consumer's thread.
  using Seen = std::function<void(const nlohmann::json&)>;
  FeedConsumer(uint16_t port, std::string token, std::optional<uint64_t> after = 0, Seen seen = nullptr);
  ~FeedConsumer() { stop(); }
  FeedConsumer(const FeedConsumer&) = delete;
  FeedConsumer& operator=(const FeedConsumer&) = delete;
  void stop();
  void drop() { drop_ = true; }  // closes the connection once; it resumes
  std::vector<nlohmann::json> rows() const;      // messages with an id, as they came
  std::vector<nlohmann::json> control() const;   // hello, gap
  int connections() const { return connections_; }
  uint64_t last_id() const;

 private:
  void run();
  uint16_t port_;
  std::string token_;
  std::optional<uint64_t> after_;
  Seen seen_;
  std::atomic<bool> stop_{false}, drop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::vector<nlohmann::json> rows_, control_;
  std::thread thread_;
};

// Every row the feed keeps after `after`: read on a connection of its own
// up to the last id its hello names. The answer of a refused upgrade is
// thrown (boost::system::system_error).
std::vector<nlohmann::json> read_feed(uint16_t port, const std::string& token, uint64_t after = 0);

}  // namespace posd::test
