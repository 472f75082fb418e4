// The store's side of Store → HQ: the journal is the outbox. What HQ has not
// acknowledged is every event after hq_acked_seq; the cursor moves only on
// HQ's cumulative ack, so a lost message or a restart just sends again.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "storage/journal.h"

namespace posd::sync {

class Outbox {
 public:
  // Reads through `db`, a connection of the caller's (not the writer's).
  explicit Outbox(sql::Db& db) : db_(db) {}

  Result<uint64_t> acked_seq();
  // Up to `limit` events after hq_acked_seq, in seq order.
  Result<std::vector<StoredEvent>> next_batch(size_t limit);
  // Up to `limit` events from seq `first` on, in seq order, stopping before
  // the payloads pass `max_bytes` (one event at least), as stored (payloads
  // as text, not parsed): what the sender puts on the wire (encode_journal).
  // Each row's hash is computed again over its stored bytes; a row that does
  // not match is corruption.
  Result<std::vector<StoredEvent>> read_stored(uint64_t first, size_t limit, size_t max_bytes = SIZE_MAX);
  // A write that records HQ's cumulative ack of everything up to `acked_seq`,
  // when it came (cursor hq_ack_at_ms, for posctl status), and the acked
  // event's hash as the journal's hq_ack mark.
  // An ack beyond the journal's head is refused: HQ cannot hold what was never sent.
  // `held_hash` (may be empty): the hash HQ holds at that seq; another hash
  // in this journal is Code::halted (the journal was rewritten after HQ
  // acknowledged it), and nothing moves.
  static Mutation ack(uint64_t acked_seq, const std::string& held_hash = "");
  // Only the check of ack(): a repeated ack (HQ's answer to a hello) moves nothing.
  static Mutation held(uint64_t seq, const std::string& held_hash);
  // A write that moves hq_acked_seq back to `seq` (when it is ahead of it):
  // what is after it is sent again. HQ skips what it already holds.
  static Mutation rewind(uint64_t seq);
  // Clears the operator's request for `seq`, if it is still that one.
  static Mutation clear_rewind_request(uint64_t seq);
  // posctl's request that a running posd rewind to `seq` (cursor
  // hq_rewind_request = seq + 1; 0: none). posd honours it within a tick,
  // or at its next start.
  static Mutation request_rewind(uint64_t seq);
  // The pending request's seq, if any.
  static Result<std::optional<uint64_t>> rewind_requested(sql::Db& db);

 private:
  sql::Db& db_;
};

}  // namespace posd::sync
