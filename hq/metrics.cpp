#include "hq/metrics.h"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace posd::hq {

namespace {
const prometheus::Histogram::BucketBoundaries kCommitBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                0.05,   0.1,   0.25,   0.5,   1,    2.5};
const prometheus::Histogram::BucketBoundaries kGroupBuckets = {1, 2, 4, 8, 16, 32, 64, 128, 256};

prometheus::Counter& counter(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}
prometheus::Gauge& gauge(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}
prometheus::Family<prometheus::Gauge>& per_store(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}
}  // namespace

HqMetrics::HqMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      received_(counter(*registry_, "posd_hq_events_received_total", "Journal events in the batches taken (new, duplicate or refused)")),
      stored_(counter(*registry_, "posd_hq_events_stored_total", "Journal events new to HQ, stored")),
      duplicates_(counter(*registry_, "posd_hq_events_duplicate_total", "Journal events HQ held already (re-sent)")),
      rejected_batches_(counter(*registry_, "posd_hq_batches_rejected_total", "Batches stopped at a bad event (reason in hq_rejected)")),
      rejected_messages_(counter(*registry_, "posd_hq_messages_rejected_total", "Messages undecodable or of the wrong type")),
      shed_(counter(*registry_, "posd_hq_batches_shed_total", "Batches dropped unread by the bounded intake (the store sends them again)")),
      commit_failures_(counter(*registry_, "posd_hq_commit_failures_total", "Group commits that failed (nothing of them acked)")),
      commit_seconds_(prometheus::BuildHistogram().Name("posd_hq_commit_seconds").Help("Group commit time, checks and fsync included")
                          .Register(*registry_).Add({}, kCommitBuckets)),
      commit_batches_(prometheus::BuildHistogram().Name("posd_hq_commit_batches").Help("Batches in one group commit")
                          .Register(*registry_).Add({}, kGroupBuckets)),
      link_up_(gauge(*registry_, "posd_hq_link_up", "1 while connected to the broker")),
      database_up_(gauge(*registry_, "posd_hq_database_up", "1 when the database answered this scrape")),
      intake_bytes_(gauge(*registry_, "posd_hq_intake_bytes", "Bytes of received messages waiting to be stored")),
      held_(per_store(*registry_, "posd_hq_store_held_seq", "The store's journal seq HQ holds without a gap")),
      announced_(per_store(*registry_, "posd_hq_store_announced_seq", "The newest journal seq this instance heard the store announce (0: none)")),
      lag_(per_store(*registry_, "posd_hq_store_lag_events", "Events announced by the store that HQ does not hold yet")),
      last_heard_(per_store(*registry_, "posd_hq_store_last_heard_seconds", "Seconds since this instance last heard the store (-1: not since start)")),
      down_pending_(per_store(*registry_, "posd_hq_store_down_pending", "Down-log entries the store has not acknowledged applying")) {}

void HqMetrics::batch(const Received& r, size_t events) {
  received_.Increment(static_cast<double>(events));
  stored_.Increment(static_cast<double>(r.stored));
  duplicates_.Increment(static_cast<double>(r.duplicates));
  if (!r.rejected.empty()) rejected_batches_.Increment();
}

void HqMetrics::rejected_message() { rejected_messages_.Increment(); }
void HqMetrics::shed() { shed_.Increment(); }

void HqMetrics::commit(size_t batches, double seconds, bool ok) {
  commit_seconds_.Observe(seconds);
  commit_batches_.Observe(static_cast<double>(batches));
  if (!ok) commit_failures_.Increment();
}

std::string HqMetrics::render(const ServeFigures& f) {
  link_up_.Set(f.link_up ? 1 : 0);
  database_up_.Set(f.positions ? 1 : 0);
  intake_bytes_.Set(static_cast<double>(f.intake_bytes));
  if (f.link_shed > link_shed_seen_) shed_.Increment(static_cast<double>(f.link_shed - link_shed_seen_));
  link_shed_seen_ = std::max(link_shed_seen_, f.link_shed);
  if (f.positions) {
    const auto now = std::chrono::steady_clock::now();
    for (const auto& [store_id, p] : *f.positions) {
      const prometheus::Labels label{{"store", store_id}};
      auto heard = f.heard.find(store_id);
      const uint64_t announced = heard == f.heard.end() ? 0 : heard->second.announced;
      held_.Add(label).Set(static_cast<double>(p.acked_seq));
      announced_.Add(label).Set(static_cast<double>(announced));
      lag_.Add(label).Set(static_cast<double>(announced > p.acked_seq ? announced - p.acked_seq : 0));
      double since = -1;
      if (heard != f.heard.end() && heard->second.last_heard) {
        since = std::chrono::duration<double>(now - *heard->second.last_heard).count();
      }
      last_heard_.Add(label).Set(since);
      down_pending_.Add(label).Set(static_cast<double>(p.down_head > p.down_acked ? p.down_head - p.down_acked : 0));
    }
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace posd::hq
