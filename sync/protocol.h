// The sync protocol's messages and topics (docs/sync-protocol.md): JSON
// envelopes {"v": 1, "type": ..., "store_id": ...}. decode() checks a payload
// whole and says precisely what is wrong with it; nothing here does I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "storage/event.h"

namespace posd::sync {

constexpr int kProtocolVersion = 1;

// <prefix>/<store_id>/up/journal, …/down/log, …/up/ack, …/down/ack, …/status
struct Topics {
  std::string prefix;
  std::string store_id;
  std::string up_journal() const { return base() + "/up/journal"; }
  std::string down_log() const { return base() + "/down/log"; }
  std::string up_ack() const { return base() + "/up/ack"; }
  std::string down_ack() const { return base() + "/down/ack"; }
  std::string status() const { return base() + "/status"; }

 private:
  std::string base() const { return prefix + "/" + store_id; }
};

// Store → HQ: journal events in seq order, no gap inside a batch.
struct JournalBatch {
  std::string store_id;
  std::vector<Event> events;
  // Decoded from posd's own canonical message: each event's payload text as
  // it arrived, proven its canonical form (its dump, which the hash covers),
  // one per event. Empty when the message came in any other form.
  std::vector<std::string> payload_texts{};
};

// A cumulative ack: everything up to `seq` is held. HQ acks journal seqs
// (down/ack); the store acks hq_seqs of the down-log (up/ack).
struct Ack {
  std::string store_id;
  std::string type;  // "journal_ack" (HQ → store) or "down_ack" (store → HQ)
  uint64_t seq = 0;
  // journal_ack: the hash of the event HQ holds at `seq` (64 lower-case hex),
  // so the store checks that its journal still holds that very event. Empty
  // from an HQ that does not send it, and for seq 0.
  std::string hash{};
};

// Sent on every (re)connect by each side: where it stands, so the other
// replays from there.
struct Hello {
  std::string store_id;
  uint64_t journal_seq = 0;     // the store's last seq (store → HQ)
  uint64_t hq_acked_seq = 0;    // what the store believes HQ holds
  uint64_t hq_applied_seq = 0;  // the last down-log entry the store applied
};

struct CatalogReadAhead;  // sync/down_log.h

// HQ → store: one down-log entry.
struct DownEntry {
  std::string store_id;
  uint64_t hq_seq = 0;
  std::string kind;  // catalog_upsert, catalog_delete, price, promotion, tax_rate, stock_snapshot, reservation, terminal
  nlohmann::json body;
  // The store's: the body read ahead of the write, off the journal's writer
  // (read_ahead, sync/down_log.h). Not on the wire.
  std::shared_ptr<const CatalogReadAhead> read_ahead = nullptr;
};

// A down-log entry as HQ stored it, its body the text HQ wrote (the body's
// dump): for HQ's sender, which passes it on unparsed.
struct StoredDownEntry {
  std::string store_id;
  uint64_t hq_seq = 0;
  std::string kind;
  std::string body;  // JSON text
};

using Message = std::variant<JournalBatch, Ack, Hello, DownEntry>;

std::string encode(const JournalBatch& m);
// The same message, byte for byte, from events as stored: each payload's text
// is put in as it is, neither parsed nor encoded again.
std::string encode_journal(const std::string& store_id, const std::vector<StoredEvent>& events);
std::string encode(const Ack& m);
std::string encode(const Hello& m);
std::string encode(const DownEntry& m);
// The same message as encode(DownEntry), byte for byte when `e.body` is the
// body's dump: the body's text put in as it is.
std::string encode_down(const StoredDownEntry& e);
// corruption, naming the entry, when a stored body is not framed as one JSON
// object ({ … }): a sender's check before it passes the text on, cheap and
// partial (the store's decode is the whole check).
Status check_stored_body(const StoredDownEntry& e);

// The message in `payload`, or invalid_argument naming what is wrong
// ("not JSON", "unknown protocol version 2", "events[3]: missing \"hash\"").
// A journal batch in the canonical form encode_journal writes is read in one
// pass (base/canonical_json.h) and keeps its payloads' text; any other form
// is read by decode_any_form.
Result<Message> decode(std::string_view payload);
// decode without that one pass: every form, the same answer (the fuzzer
// checks that the two agree).
Result<Message> decode_any_form(std::string_view payload);

}  // namespace posd::sync
