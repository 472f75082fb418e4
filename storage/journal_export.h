// Journal exports: JSON Lines, one event object a line (Event::to_json), in
// seq order. Anyone holding the store's public key can verify one.
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/chain.h"
#include "storage/sqlite.h"

namespace posd {

// An event someone holds outside the store (a printed Z's seq and hash, HQ's
// acknowledged head): the journal must hold exactly that event at that seq.
struct Anchor {
  uint64_t seq = 0;
  std::string hash;
  // "SEQ:HASH" with 64 lower-case hex digits.
  static Result<Anchor> parse(std::string_view text);
};

// What an export (or the part of it read so far) holds.
struct ExportSpan {
  uint64_t first_seq = 0;
  std::string first_prev_hash;
  uint64_t last_seq = 0;
  std::string last_hash;
  uint64_t count = 0;
  void add(const Event& e);
};

// Writes events with seq >= from to `out`. Returns how many.
Result<uint64_t> export_journal(sql::Db& db, uint64_t from, std::ostream& out);
// Writes events with from <= seq <= to (to 0: to the end) to `out`.
Result<ExportSpan> export_range(sql::Db& db, uint64_t from, uint64_t to, std::ostream& out);
// The seqs of business days `first`..`last` (YYYY-MM-DD, inclusive):
// not_found when the journal holds none.
Result<std::pair<uint64_t, uint64_t>> seqs_of_days(sql::Db& db, const std::string& first, const std::string& last);

// Verifies every event of a database's journal with `key`. Returns how many,
// or Status::corruption("seq N: why") for the first bad one.
// Each anchor must be held: "anchor seq N: …" otherwise (corruption).
Result<uint64_t> verify_journal(sql::Db& db, const PublicKey& key, const std::vector<Anchor>& anchors = {});

// The same for an export read from `in`; a line that is not an event object is
// corruption("line N: why").
// `span`, when given, receives what the export held.
Result<uint64_t> verify_export(std::istream& in, const PublicKey& key, const std::vector<Anchor>& anchors = {},
                               ExportSpan* span = nullptr);

}  // namespace posd
