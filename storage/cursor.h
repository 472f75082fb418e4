// Named positions in the two logs (hq_acked_seq, hq_applied_seq). A cursor
// only moves forward, and moves in the same transaction as what it counts.
#pragma once

#include <cstdint>
#include <string_view>

#include "storage/sqlite.h"

namespace posd::cursor {

Result<uint64_t> read(sql::Db& db, std::string_view name);
// Sets `name` to `value` when that is ahead of where it is; a value behind is
// ignored (a late, smaller cumulative ack says nothing new).
Status advance(sql::Db& db, std::string_view name, uint64_t value);

}  // namespace posd::cursor
