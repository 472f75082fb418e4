// posd's schema, versioned by PRAGMA user_version. Each migration runs in its
// own transaction together with the version bump, so a crash leaves the
// database at one version or the next, never between.
#pragma once

#include "storage/sqlite.h"

namespace posd::schema {

// The version a database has after migrate().
int latest_version();

// Brings `db` from its current version up to `target` (default: latest).
// Refuses a database newer than this build knows (a downgrade).
Status migrate(sql::Db& db, int target = -1);

// The database's PRAGMA user_version.
Result<int> version(sql::Db& db);

}  // namespace posd::schema
