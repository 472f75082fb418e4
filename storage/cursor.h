// Named positions in the two logs (hq_acked_seq, hq_applied_seq). A cursor
// moves forward with what it counts, in the same transaction; only a rewind
// (HQ says it holds less, or an operator asks) moves one back.
#pragma once

#include <cstdint>
#include <string_view>

#include "storage/sqlite.h"

namespace posd::cursor {

Result<uint64_t> read(sql::Db& db, std::string_view name);
// Sets `name` to `value` when that is ahead of where it is; a value behind is
// ignored (a late, smaller cumulative ack says nothing new).
Status advance(sql::Db& db, std::string_view name, uint64_t value);
// Sets `name` to `value` wherever it is (inserting it when absent).
Status set(sql::Db& db, std::string_view name, uint64_t value);

}  // namespace posd::cursor
