// posd-hq serve: the HQ end of the sync on one event loop. It takes every
// store's journal batches (optionally through an MQTT 5 shared subscription,
// so several instances share the stores), checks and stores them with the
// HqStore and answers with the cumulative journal_ack; and it sends each
// connected store its down-log from the store's own applied position, within
// a window, re-sending when acks stop. docs/sync-protocol.md.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "hq/store.h"
#include "sync/link.h"

namespace posd::hq {

struct HqServeOptions {
  sync::LinkOptions link;           // url, client id, TLS files
  std::string prefix = "posd";
  std::string share_group;    // non-empty: subscribe as $share/<group>/...
  uint64_t window_entries = 64;
  std::chrono::milliseconds resend_after{3000};
  std::chrono::milliseconds tick{50};  // how often new down-log entries are looked for
};

class HqServe {
 public:
  // Serves what `store` holds; `store` is this object's alone from now on.
  HqServe(boost::asio::io_context& io, std::unique_ptr<HqStore> store, HqServeOptions options);
  ~HqServe();
  void start();
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace posd::hq
