// A simulated fleet of stores, to measure and test posd-hq at chain scale
// without a posd per store. Each store has a real Ed25519 key (written to
// key_dir) and a journal of real chained, signed events, sealed as the
// journal seals its own (storage/chain.h), kept in memory; and its own MQTT
// client (sync::Link, posd's) speaking the store's side of
// docs/sync-protocol.md: a hello on every connect, journal batches from HQ's
// cumulative ack within a window, sent again from the ack when acks stop,
// down-log entries applied in order (each journaled as hq_applied) and
// acked. A store sends what it journals at once (as posd does: its journal's
// writer wakes the sync).
// Everything runs on the Fleet's own event-loop thread; the public calls
// post to it and wait.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/event.h"

namespace posd::fleet {

using Steady = std::chrono::steady_clock;

struct FleetOptions {
  std::string broker_url;    // tcp://127.0.0.1:PORT
  std::string prefix = "posd";
  std::string key_dir;       // each store's <id>.key and <id>.pub
  size_t stores = 50;
  std::string id_prefix = "FLEET-";  // FLEET-0001, FLEET-0002, ...
  size_t batch_events = 256;         // posd's defaults
  uint64_t window_events = 2048;
  std::chrono::milliseconds resend_after{3000};
  std::chrono::milliseconds max_backoff{30000};
  bool keep_acked = false;  // keep the events HQ acked (to compare); else dropped
  // ssl:// brokers: the CA, and each store's certificate and key by store id.
  std::string ca_file;
  std::function<std::pair<std::string, std::string>(const std::string& store_id)> identity;
};

struct StoreFigures {
  uint64_t journal_seq = 0;
  uint64_t hq_acked_seq = 0;
  uint64_t hq_applied_seq = 0;
  uint64_t connects = 0;
  uint64_t resends = 0;  // times acks stopped and the store sent again from the ack
};

class Fleet {
 public:
  // Makes every store's key and genesis; connects nothing yet.
  static Result<std::unique_ptr<Fleet>> create(FleetOptions options);
  ~Fleet();
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  const std::vector<std::string>& ids() const;
  const std::string& public_key_pem(size_t store) const;

  void connect();
  void disconnect();
  // Journals `count` sale events at `store` (sale-sized: four lines, a cash
  // tender), sent when the window allows; their ack latency is measured.
  void sell(size_t store, size_t count);
  // Every store sells one sale at a random moment, `per_store_every` apart
  // on average (exponential gaps), for `how_long`. Returns the sales made.
  uint64_t sell_steadily(std::chrono::milliseconds per_store_every, std::chrono::milliseconds how_long);

  std::vector<StoreFigures> figures();
  // Milliseconds from each sale's journaling to HQ's ack covering it, for
  // the sales acked since the last call.
  std::vector<double> take_ack_latencies();
  // When each store applied down-log entry `hq_seq` (kept for every hq_seq).
  std::vector<std::optional<Steady::time_point>> applied_at(uint64_t hq_seq);
  // The events of `store` still held (all of them with keep_acked).
  std::vector<Event> journal(size_t store);

 private:
  struct Impl;
  explicit Fleet(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// Percentile `p` (0..100) of `values` (sorted here); 0 for none.
double percentile(std::vector<double> values, double p);

}  // namespace posd::fleet
