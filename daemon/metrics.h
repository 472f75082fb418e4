// posd's metrics in the Prometheus text format (GET /metrics): requests and
// their latency per route, journal commits (latency and group size), the
// journal's seq, what HQ has acknowledged and the backlog, and low-stock
// alerts. Built on prometheus-cpp's core (Debian's prometheus-cpp-dev);
// recording is thread-safe, so the journal writer records its own commits.
#pragma once

#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "storage/journal.h"
#include "sync/store_sync.h"

namespace posd {

class Metrics {
 public:
  Metrics();

  void request(const std::string& method, const std::string& route, int status, double seconds);
  void commit(size_t writes, double seconds);
  void low_stock_alert();
  // The server's own figures: event-stream queues and refused accepts.
  struct ServerFigures {
    size_t events_queued_bytes = 0;
    uint64_t events_dropped = 0;
    uint64_t accept_failures = 0;
  };
  void server(const ServerFigures& f);
  // Reads the live figures (journal seq, HQ cursor) and renders everything.
  // With `sync` (when HQ is configured): link state, last ack, quarantine.
  // `devices` as /v1/status lists them: posd_device_up{device,kind,type}.
  // Also the database's file system (posd_disk_*), the systemd watchdog's
  // period and how long the journal writer has had work and made no progress
  // (what the watchdog would restart posd for).
  std::string render(const Journal& journal, sql::Db& reader, const sync::StoreSync* sync = nullptr,
                     const nlohmann::json& devices = nlohmann::json::array());

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& request_seconds_;
  prometheus::Histogram& commit_seconds_;
  prometheus::Histogram& commit_writes_;
  prometheus::Gauge& journal_seq_;
  prometheus::Gauge& hq_acked_seq_;
  prometheus::Gauge& hq_backlog_;
  prometheus::Gauge& hq_configured_;
  prometheus::Gauge& hq_link_up_;
  prometheus::Gauge& hq_last_ack_seconds_;
  prometheus::Gauge& hq_quarantined_;
  prometheus::Gauge& hq_rewinds_;
  prometheus::Gauge& hq_ignored_;
  prometheus::Gauge& hq_rejected_acks_;
  prometheus::Family<prometheus::Gauge>& device_up_;
  prometheus::Counter& low_stock_alerts_;
  prometheus::Gauge& events_queued_bytes_;
  prometheus::Gauge& events_dropped_;
  prometheus::Gauge& accept_failures_;
  prometheus::Gauge& disk_available_;
  prometheus::Gauge& disk_size_;
  prometheus::Gauge& watchdog_seconds_;
  prometheus::Gauge& writer_stalled_;
};

}  // namespace posd
