// posd-hq's metrics in the Prometheus text format, served by `posd-hq serve
// --metrics HOST:PORT` at GET /metrics: events received, stored and
// duplicate; batches rejected and shed by the bounded intake; group commit
// time and size; whether the broker link and the database are up; and per
// store, what HQ holds, the newest seq this instance heard it announce, the
// lag between them, the seconds since it was last heard, and its down-log
// entries not yet applied. Built on prometheus-cpp's core, as posd's are.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "hq/store.h"

namespace posd::hq {

// One store as this instance sees it.
struct StoreHeard {
  uint64_t announced = 0;  // the highest journal seq heard (hello or batch)
  std::optional<std::chrono::steady_clock::time_point> last_heard;
  // Since when HQ holds less than the store announced (nullopt: it holds all).
  std::optional<std::chrono::steady_clock::time_point> behind_since;
};

// What the serving loop knows at one moment; positions() read just before.
struct ServeFigures {
  bool link_up = false;
  std::optional<std::map<std::string, StorePosition>> positions;  // nullopt: the database did not answer
  std::map<std::string, StoreHeard> heard;
  size_t intake_bytes = 0;   // received, waiting to be stored
  uint64_t link_shed = 0;    // batches shed before they reached the loop, since start
};

class HqMetrics {
 public:
  HqMetrics();
  // A batch stored (or refused) by a group commit.
  void batch(const Received& r, size_t events);
  void rejected_message();  // undecodable, or of the wrong type
  void shed();              // a batch dropped by the loop's intake bound
  void commit(size_t batches, double seconds, bool ok);
  std::string render(const ServeFigures& f);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Counter& received_;
  prometheus::Counter& stored_;
  prometheus::Counter& duplicates_;
  prometheus::Counter& rejected_batches_;
  prometheus::Counter& rejected_messages_;
  prometheus::Counter& shed_;
  prometheus::Counter& commit_failures_;
  prometheus::Histogram& commit_seconds_;
  prometheus::Histogram& commit_batches_;
  prometheus::Gauge& link_up_;
  prometheus::Gauge& database_up_;
  prometheus::Gauge& intake_bytes_;
  prometheus::Family<prometheus::Gauge>& held_;
  prometheus::Family<prometheus::Gauge>& announced_;
  prometheus::Family<prometheus::Gauge>& lag_;
  prometheus::Family<prometheus::Gauge>& last_heard_;
  prometheus::Family<prometheus::Gauge>& down_pending_;
  uint64_t link_shed_seen_ = 0;
};

}  // namespace posd::hq
