// Consistent copies of a live database with SQLite's online backup API: the
// copy is a snapshot of one moment, taken while posd goes on writing.
#pragma once

#include <string>

#include "storage/sqlite.h"

namespace posd {

// Copies the database at `from` into a new file `to` (which must not exist),
// then checks the copy: PRAGMA integrity_check. The journal chain is checked
// by the caller, who knows the key.
Status backup_database(const std::string& from, const std::string& to);

}  // namespace posd
