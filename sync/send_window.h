// What one side has sent of its ordered log and what the other side has
// acknowledged, for both directions of the sync. At most `window` entries are
// in flight. Acks are cumulative. When acks stop coming while entries are in
// flight (a message lost by the broker, the peer restarted), the sender
// rewinds and sends again from the last ack: the peer skips what it holds.
// Each rewind in a row without progress doubles the wait (up to 20 times
// it): a peer that is only slow, as HQ is while a thousand stores come back
// at once, is not flooded with copies of what it has not reached yet. An ack
// of nothing new while entries are in flight says the peer took a later entry
// and not the next one (the broker lost it, or a busy HQ shed it): then the
// rewind comes after a sixth of the wait, as TCP retransmits on duplicate acks.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace posd::sync {

class SendWindow {
 public:
  using Clock = std::chrono::steady_clock;

  // `after_rewind` 0: the whole window at once, always.
  explicit SendWindow(uint64_t window, uint64_t after_rewind = 0)
      : window_(window), after_rewind_(after_rewind ? std::min(after_rewind, window) : window) {}

  // Starts over from `acked` (a connect: replay everything after it).
  void reset(uint64_t acked, Clock::time_point now) {
    acked_ = std::max(acked_, acked);
    sent_ = acked_;
    progress_ = now;
    stalls_ = 0;
    gap_ = false;
    careful_ = true;
  }
  uint64_t acked() const { return acked_; }
  uint64_t next() const { return sent_ + 1; }
  // How many more entries may be sent now.
  uint64_t room() const {
    const uint64_t limit = careful_ ? after_rewind_ : window_;
    return limit - std::min(limit, sent_ - acked_);
  }
  void sent(uint64_t last, Clock::time_point now) {
    if (sent_ == acked_) progress_ = now;  // the clock starts with the first in flight
    sent_ = std::max(sent_, last);
  }
  // True when `seq` acknowledges something new.
  bool ack(uint64_t seq, Clock::time_point now) {
    if (seq <= acked_) return false;
    acked_ = seq;
    sent_ = std::max(sent_, acked_);
    progress_ = now;
    stalls_ = 0;
    gap_ = false;
    careful_ = false;
    return true;
  }
  // An ack of `seq` that ack() found old: a gap at the peer when it is the
  // last ack and more is in flight.
  void gap(uint64_t seq) {
    if (seq == acked_ && sent_ > acked_) gap_ = true;
  }
  bool gap_seen() const { return gap_; }
  // Back to `acked` even when it is behind what was acknowledged: the peer
  // says it holds less (it restored a backup), so everything after is sent again.
  void rewind_to(uint64_t acked, Clock::time_point now) {
    acked_ = acked;
    sent_ = acked;
    progress_ = now;
    gap_ = false;
    careful_ = true;
  }
  // Entries in flight and no ack for `patience` (a sixth of it after a gap;
  // doubled for each such rewind in a row, up to 20 times): rewinds to the
  // last ack and returns true.
  bool rewind_if_stalled(Clock::time_point now, Clock::duration patience) {
    const unsigned times = stalls_ < 5 ? 1u << stalls_ : 20u;
    const Clock::duration wait = (gap_ ? patience / 6 : patience) * times;
    if (sent_ == acked_ || now - progress_ < wait) return false;
    const unsigned stalls = stalls_ + 1;
    reset(acked_, now);
    stalls_ = stalls;
    return true;
  }

 private:
  uint64_t window_;
  uint64_t after_rewind_;
  uint64_t acked_ = 0;
  uint64_t sent_ = 0;
  Clock::time_point progress_{};
  unsigned stalls_ = 0;  // rewinds in a row without progress
  bool gap_ = false;     // an old ack came while entries were in flight
  bool careful_ = true;  // started or rewound, and no progress since
};

}  // namespace posd::sync
