#include "sync/outbox.h"

#include "storage/chain_check.h"
#include "storage/cursor.h"
#include "storage/event.h"

#include <chrono>

namespace posd::sync {

namespace {
constexpr const char* kAcked = "hq_acked_seq";
constexpr const char* kRewindRequest = "hq_rewind_request";
}

Result<uint64_t> Outbox::acked_seq() { return cursor::read(db_, kAcked); }

Result<std::vector<StoredEvent>> Outbox::next_batch(size_t limit) {
  auto acked = acked_seq();
  if (!acked) return acked.status();
  return read_stored(*acked + 1, limit);
}

namespace {

// What is spliced into a batch unread must be the bytes the hash covers: a
// row edited behind the journal's back is refused here, naming its seq, as
// a parse of it was refused before (and as the chain check refuses it).
Status check_stored(const StoredEvent& s) {
  Event e;
  e.seq = s.seq;
  e.ts = s.ts;
  e.business_day = s.business_day;
  e.type = s.type;
  e.prev_hash = s.prev_hash;
  try {
    if (chain_hash(e, s.payload) == s.hash) return Status::ok();
  } catch (const nlohmann::json::exception&) {  // ts, day or type not UTF-8
  }
  return Status::corruption("seq " + std::to_string(s.seq) + ": hash mismatch (the row was changed)");
}

}  // namespace

Result<std::vector<StoredEvent>> Outbox::read_stored(uint64_t first, size_t limit, size_t max_bytes) {
  auto st = db_.cached(
      "SELECT seq, ts, business_day, type, payload, prev_hash, hash, signature "
      "FROM journal WHERE seq >= ?1 ORDER BY seq");
  if (!st) return st.status();
  (*st)->bind(1, static_cast<int64_t>(first));
  std::vector<StoredEvent> out;
  size_t bytes = 0;
  while (out.size() < limit) {
    auto row = (*st)->step();
    if (!row) return row.status();
    if (!*row) break;
    const sql::Stmt& r = **st;
    StoredEvent e{static_cast<uint64_t>(r.int64(0)), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6),
                  r.text(7)};
    const size_t size = e.payload.size() + 512;  // with seq, hashes and signature
    if (!out.empty() && bytes + size > max_bytes) break;  // before its hash: the next batch checks it
    if (Status s = check_stored(e); !s) return s;
    bytes += size;
    out.push_back(std::move(e));
  }
  return out;  // the statement is reset when `st` goes
}

Mutation Outbox::rewind(uint64_t seq) {
  return [seq](WriteContext& ctx) -> Result<std::vector<Entry>> {
    auto acked = cursor::read(ctx.db, kAcked);
    if (!acked) return acked.status();
    if (seq < *acked) {
      if (Status s = cursor::set(ctx.db, kAcked, seq); !s) return s;
    }
    return std::vector<Entry>{};
  };
}

Mutation Outbox::clear_rewind_request(uint64_t seq) {
  return [seq](WriteContext& ctx) -> Result<std::vector<Entry>> {
    auto st = ctx.db.cached("UPDATE cursor SET value = 0 WHERE name = ?1 AND value = ?2");
    if (!st) return st.status();
    if (Status s = (*st)->bind(1, kRewindRequest).bind(2, static_cast<int64_t>(seq + 1)).run(); !s) return s;
    return std::vector<Entry>{};
  };
}

Mutation Outbox::request_rewind(uint64_t seq) {
  return [seq](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (seq >= ctx.next_seq) {
      return Status::invalid_argument("seq " + std::to_string(seq) + " is beyond the journal's last seq " +
                                      std::to_string(ctx.next_seq - 1));
    }
    if (Status s = cursor::set(ctx.db, kRewindRequest, seq + 1); !s) return s;
    return std::vector<Entry>{};
  };
}

Result<std::optional<uint64_t>> Outbox::rewind_requested(sql::Db& db) {
  auto v = db.query_int("SELECT value FROM cursor WHERE name = ?1", kRewindRequest);
  if (!v) return v.status();
  if (!*v || **v <= 0) return std::optional<uint64_t>{};
  return std::optional<uint64_t>{static_cast<uint64_t>(**v - 1)};
}

namespace {

// Ok when the journal holds the event HQ holds at `seq` (or no hash was given).
Status holds(sql::Db& db, uint64_t seq, const std::string& held_hash) {
  if (held_hash.empty() || seq == 0) return Status::ok();
  auto hash = event_hash(db, seq);
  if (!hash) return hash.status();
  const std::string own = hash->value_or("");
  if (own == held_hash) return Status::ok();
  return Status::halted("HQ holds another event at seq " + std::to_string(seq) + " (hash " + held_hash.substr(0, 16) +
                        "…) than this journal (hash " + own.substr(0, 16) +
                        "…): the journal was rewritten after HQ acknowledged it");
}

}  // namespace

Mutation Outbox::held(uint64_t seq, const std::string& held_hash) {
  return [seq, held_hash](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (Status s = holds(ctx.db, seq, held_hash); !s) return s;
    return std::vector<Entry>{};
  };
}

Mutation Outbox::ack(uint64_t acked_seq, const std::string& held_hash) {
  return [acked_seq, held_hash](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (acked_seq >= ctx.next_seq) {
      return Status::invalid_argument("ack of seq " + std::to_string(acked_seq) +
                                      " is beyond the journal's last seq " +
                                      std::to_string(ctx.next_seq - 1));
    }
    if (Status s = holds(ctx.db, acked_seq, held_hash); !s) return s;
    if (Status s = cursor::advance(ctx.db, kAcked, acked_seq); !s) return s;
    // HQ's ack is the anchor outside the store: the journal must always hold
    // the event HQ holds under that seq (storage/chain_check.h).
    if (Status s = advance_mark(ctx.db, "hq_ack", acked_seq); !s) return s;
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    if (Status s = cursor::advance(ctx.db, "hq_ack_at_ms", static_cast<uint64_t>(now.count())); !s) return s;
    return std::vector<Entry>{};
  };
}

}  // namespace posd::sync
