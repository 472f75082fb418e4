// Journal exports: JSON Lines, one event object a line (Event::to_json), in
// seq order. Anyone holding the store's public key can verify one.
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>

#include "storage/chain.h"
#include "storage/sqlite.h"

namespace posd {

// Writes events with seq >= from to `out`. Returns how many.
Result<uint64_t> export_journal(sql::Db& db, uint64_t from, std::ostream& out);

// Verifies every event of a database's journal with `key`. Returns how many,
// or Status::corruption("seq N: why") for the first bad one.
Result<uint64_t> verify_journal(sql::Db& db, const PublicKey& key);

// The same for an export read from `in`; a line that is not an event object is
// corruption("line N: why").
Result<uint64_t> verify_export(std::istream& in, const PublicKey& key);

}  // namespace posd
