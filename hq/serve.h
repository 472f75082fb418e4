// posd-hq serve: the HQ end of the sync on one event loop. It takes every
// store's journal batches (optionally through an MQTT 5 shared subscription,
// so several instances share the stores), checks and stores them with the
// HqStore and answers with the cumulative journal_ack; and it sends each
// connected store its down-log from the store's own applied position, within
// a window, re-sending when acks stop. docs/sync-protocol.md.
//
// Its intake is bounded: past intake_limit_bytes of batches waiting (in
// Paho's hand-over, and again in the loop's group), a journal batch is shed
// unread, since the store sends again what HQ does not acknowledge. Messages
// of 4 KiB or less (hellos, acks, a sale or two) are never shed.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "hq/metrics.h"
#include "hq/store.h"
#include "sync/link.h"

namespace posd::hq {

struct HqServeOptions {
  HqServeOptions() { link.max_backoff = std::chrono::seconds(2); }  // one client: back within seconds
  sync::LinkOptions link;           // url, client id, TLS files
  std::string prefix = "posd";
  std::string share_group;    // non-empty: subscribe as $share/<group>/...
  uint64_t window_entries = 64;
  std::chrono::milliseconds resend_after{3000};
  std::chrono::milliseconds tick{50};  // how often new down-log entries are looked for
  size_t intake_limit_bytes = size_t{32} << 20;  // per stage; 0: unbounded
  HqMetrics* metrics = nullptr;        // when set, recorded into; must outlive the HqServe
  std::function<void()> stored;        // when set, called after a commit that stored events (on the loop)
};

class HqServe {
 public:
  // Serves what `store` holds; `store` is this object's alone from now on.
  HqServe(boost::asio::io_context& io, std::unique_ptr<HqStore> store, HqServeOptions options);
  ~HqServe();
  void start();
  void stop();
  // Looks at the down-logs now, not at the next tick: a change was just
  // appended (from the loop's thread).
  void poke();
  // What /metrics shows; reads every store's position (on the loop's thread).
  ServeFigures figures();
  // What this instance knows of each store's link: its retained status, the
  // journal head it announced, when it was last heard (on the loop's thread).
  struct LinkSeen {
    bool online = false;
    uint64_t announced = 0;
    std::optional<std::chrono::system_clock::time_point> last_heard;
    std::optional<std::chrono::system_clock::time_point> behind_since;  // HQ holds less than it announced
  };
  std::map<std::string, LinkSeen> links();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace posd::hq
