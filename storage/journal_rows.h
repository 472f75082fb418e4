// The journal's rows with their payload as stored: for the readers that hash
// or copy the payload (the chain's checks, an export, an auditor's verify),
// which then need not encode it again. The stored text is the canonical
// encoding the hash covers (each row is held to it as it is read).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "storage/event.h"
#include "storage/sqlite.h"

namespace posd {

// scan_journal (storage/journal.h), with each event's payload text beside it.
Status scan_journal_rows(sql::Db& db, uint64_t from,
                         const std::function<Status(const Event&, std::string_view payload)>& fn);

}  // namespace posd
