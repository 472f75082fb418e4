// The store's end of the sync (docs/sync-protocol.md), on the daemon's event
// loop: sends the journal after hq_acked_seq in batches within a window,
// advances hq_acked_seq on HQ's cumulative acks, applies HQ's down-log in
// order through the journal and acks it. Every connect starts with a hello
// and replays from the acknowledged positions; offline is the normal case.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "storage/journal.h"
#include "sync/link.h"

namespace posd::sync {

struct StoreSyncOptions {
  LinkOptions link;            // url, client id and TLS files; topics are filled in here
  std::string prefix = "posd";
  size_t batch_events = 256;
  size_t batch_bytes = 256 * 1024;
  uint64_t window_events = 2048;  // journal events sent and not yet acked, at most
  std::chrono::milliseconds resend_after{3000};
  // How often new events and a silent HQ are looked for. New events are sent
  // as soon as they are durable (the journal's writer and inotify say so);
  // this catches what neither could tell.
  std::chrono::milliseconds tick{250};
};

struct SyncFigures {
  const char* link = "down";
  uint64_t journal_seq = 0;
  uint64_t hq_acked_seq = 0;
  uint64_t hq_applied_seq = 0;
  uint64_t quarantined = 0;       // down-log entries and messages quarantined since start
  uint64_t rejected_acks = 0;     // acks that could not be decoded or claimed too much
  uint64_t rewinds = 0;           // times HQ (or an operator) said it holds less: sent again from there
  uint64_t garbage = 0;           // undecodable messages from HQ, counted, not journaled
  std::optional<std::chrono::system_clock::time_point> last_ack;  // since start
};

class StoreSync {
 public:
  // `journal` must outlive the StoreSync. Opens its own read connection.
  static Result<std::unique_ptr<StoreSync>> open(boost::asio::io_context& io, Journal& journal,
                                                  StoreSyncOptions options);
  ~StoreSync();

  void start();
  void stop();
  // Called on the event loop after a down-log entry of `kind` applied.
  void on_applied(std::function<void(const std::string& kind)> f);
  SyncFigures figures() const;

 private:
  struct Impl;
  explicit StoreSync(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;  // shared with the callbacks in flight
};

}  // namespace posd::sync
