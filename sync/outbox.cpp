#include "sync/outbox.h"

#include "storage/cursor.h"

namespace posd::sync {

namespace {
constexpr const char* kAcked = "hq_acked_seq";
}

Result<uint64_t> Outbox::acked_seq() { return cursor::read(db_, kAcked); }

Result<std::vector<Event>> Outbox::next_batch(size_t limit) {
  auto acked = acked_seq();
  if (!acked) return acked.status();
  std::vector<Event> out;
  Status s = scan_journal(db_, *acked + 1, [&](const Event& e) {
    if (out.size() >= limit) return Status::unavailable("batch full");
    out.push_back(e);
    return Status::ok();
  });
  if (!s && s.code() != Status::Code::unavailable) return s;
  return out;
}

Mutation Outbox::ack(uint64_t acked_seq) {
  return [acked_seq](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (acked_seq >= ctx.next_seq) {
      return Status::invalid_argument("ack of seq " + std::to_string(acked_seq) +
                                      " is beyond the journal's last seq " +
                                      std::to_string(ctx.next_seq - 1));
    }
    if (Status s = cursor::advance(ctx.db, kAcked, acked_seq); !s) return s;
    return std::vector<Entry>{};
  };
}

}  // namespace posd::sync
