#include "daemon/metrics.h"

#include <prometheus/text_serializer.h>
#include <sys/statvfs.h>
#include <systemd/sd-daemon.h>

#include <filesystem>
#include <sstream>

#include "storage/cursor.h"

namespace posd {

namespace {
const prometheus::Histogram::BucketBoundaries kRequestBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                                 0.01,   0.025,   0.05,   0.1,   0.25,   1};
const prometheus::Histogram::BucketBoundaries kCommitBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                                0.005,  0.01,    0.025,  0.05,  0.1, 1};
const prometheus::Histogram::BucketBoundaries kGroupBuckets = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter().Name("posd_http_requests_total").Help("HTTP requests by route and status").Register(*registry_)),
      request_seconds_(prometheus::BuildHistogram().Name("posd_http_request_seconds").Help("Time to answer, by route").Register(*registry_)),
      commit_seconds_(prometheus::BuildHistogram().Name("posd_journal_commit_seconds").Help("Journal transaction time including fsync")
                          .Register(*registry_).Add({}, kCommitBuckets)),
      commit_writes_(prometheus::BuildHistogram().Name("posd_journal_commit_writes").Help("Writes grouped into one commit")
                         .Register(*registry_).Add({}, kGroupBuckets)),
      journal_seq_(prometheus::BuildGauge().Name("posd_journal_seq").Help("Last durable journal seq").Register(*registry_).Add({})),
      hq_acked_seq_(prometheus::BuildGauge().Name("posd_hq_acked_seq").Help("Highest seq HQ acknowledged").Register(*registry_).Add({})),
      hq_backlog_(prometheus::BuildGauge().Name("posd_hq_backlog_events").Help("Journal events HQ has not acknowledged").Register(*registry_).Add({})),
      hq_configured_(prometheus::BuildGauge().Name("posd_hq_configured").Help("1 when an HQ link (mqtt) is configured; 0: the store runs alone").Register(*registry_).Add({})),
      hq_link_up_(prometheus::BuildGauge().Name("posd_hq_link_up").Help("1 while connected to the HQ broker").Register(*registry_).Add({})),
      hq_last_ack_seconds_(prometheus::BuildGauge().Name("posd_hq_last_ack_seconds").Help("Seconds since HQ last acknowledged (-1: not since start)").Register(*registry_).Add({})),
      hq_quarantined_(prometheus::BuildGauge().Name("posd_hq_quarantined").Help("Down-log entries and messages quarantined since start").Register(*registry_).Add({})),
      hq_rewinds_(prometheus::BuildGauge().Name("posd_hq_rewinds").Help("Times HQ (or an operator) said HQ holds less than it had acknowledged, and the journal was sent again from there, since start").Register(*registry_).Add({})),
      hq_ignored_(prometheus::BuildGauge().Name("posd_hq_ignored_messages").Help("Messages from HQ that were undecodable or for another store, since start (kept, newest 100, not journaled)").Register(*registry_).Add({})),
      hq_rejected_acks_(prometheus::BuildGauge().Name("posd_hq_rejected_acks").Help("Acks from HQ that were undecodable or beyond the journal, since start").Register(*registry_).Add({})),
      device_up_(prometheus::BuildGauge().Name("posd_device_up").Help("1 while a device is connected, 0 while it is missing or unplugged").Register(*registry_)),
      low_stock_alerts_(prometheus::BuildCounter().Name("posd_low_stock_alerts_total").Help("Low-stock alerts raised").Register(*registry_).Add({})),
      events_queued_bytes_(prometheus::BuildGauge().Name("posd_events_queued_bytes").Help("Bytes waiting in event-stream queues").Register(*registry_).Add({})),
      events_dropped_(prometheus::BuildGauge().Name("posd_events_dropped").Help("Event-stream messages dropped for slow readers since start").Register(*registry_).Add({})),
      accept_failures_(prometheus::BuildGauge().Name("posd_http_accept_failures").Help("Connections that could not be accepted (descriptors or memory exhausted) since start").Register(*registry_).Add({})),
      disk_available_(prometheus::BuildGauge().Name("posd_disk_available_bytes").Help("Bytes free for posd on the database's file system").Register(*registry_).Add({})),
      disk_size_(prometheus::BuildGauge().Name("posd_disk_size_bytes").Help("Size of the database's file system").Register(*registry_).Add({})),
      watchdog_seconds_(prometheus::BuildGauge().Name("posd_watchdog_seconds").Help("systemd's watchdog period (WatchdogSec; 0: none)").Register(*registry_).Add({})),
      writer_stalled_(prometheus::BuildGauge().Name("posd_journal_writer_stalled_seconds").Help("How long the journal writer has had work and finished no batch (0: idle)").Register(*registry_).Add({})) {}

void Metrics::server(const ServerFigures& f) {
  events_queued_bytes_.Set(static_cast<double>(f.events_queued_bytes));
  events_dropped_.Set(static_cast<double>(f.events_dropped));
  accept_failures_.Set(static_cast<double>(f.accept_failures));
}

void Metrics::request(const std::string& method, const std::string& route, int status, double seconds) {
  requests_.Add({{"method", method}, {"route", route}, {"status", std::to_string(status)}}).Increment();
  request_seconds_.Add({{"method", method}, {"route", route}}, kRequestBuckets).Observe(seconds);
}

void Metrics::commit(size_t writes, double seconds) {
  commit_seconds_.Observe(seconds);
  commit_writes_.Observe(static_cast<double>(writes));
}

void Metrics::low_stock_alert() { low_stock_alerts_.Increment(); }

std::string Metrics::render(const Journal& journal, sql::Db& reader, const sync::StoreSync* sync,
                            const nlohmann::json& devices) {
  for (const auto& d : devices) {
    device_up_.Add({{"device", d.value("id", "")}, {"kind", d.value("kind", "")}, {"type", d.value("type", "")}})
        .Set(d.value("state", "") == "connected" ? 1 : 0);
  }
  hq_configured_.Set(sync ? 1 : 0);
  if (sync) {
    const sync::SyncFigures f = sync->figures();
    hq_link_up_.Set(std::string(f.link) == "up" ? 1 : 0);
    hq_quarantined_.Set(static_cast<double>(f.quarantined));
    hq_rewinds_.Set(static_cast<double>(f.rewinds));
    hq_ignored_.Set(static_cast<double>(f.garbage));
    hq_rejected_acks_.Set(static_cast<double>(f.rejected_acks));
    hq_last_ack_seconds_.Set(f.last_ack ? std::chrono::duration<double>(std::chrono::system_clock::now() - *f.last_ack).count() : -1);
  }
  struct statvfs fs {};
  const std::filesystem::path dir = std::filesystem::path(journal.db_path()).parent_path();
  if (::statvfs(dir.empty() ? "." : dir.c_str(), &fs) == 0) {
    disk_available_.Set(static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize));
    disk_size_.Set(static_cast<double>(fs.f_blocks) * static_cast<double>(fs.f_frsize));
  }
  uint64_t usec = 0;
  watchdog_seconds_.Set(sd_watchdog_enabled(0, &usec) > 0 ? static_cast<double>(usec) / 1e6 : 0);
  writer_stalled_.Set(std::chrono::duration<double>(journal.stalled()).count());
  journal.refresh();  // commits by posctl count too
  const uint64_t seq = journal.last_seq();
  journal_seq_.Set(static_cast<double>(seq));
  if (auto acked = cursor::read(reader, "hq_acked_seq")) {
    hq_acked_seq_.Set(static_cast<double>(*acked));
    hq_backlog_.Set(static_cast<double>(seq - std::min(seq, *acked)));
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace posd
