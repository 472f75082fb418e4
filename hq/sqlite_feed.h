// The SQLite backend's feed (hq/feed.h): the table (ids never reused, even
// after every row was dropped), a pass's rows, reads and retention. On the
// ledger's connection, inside the caller's transaction where one is open;
// SQLite has one writer, so ids are committed in order.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "hq/feed.h"
#include "storage/sqlite.h"

namespace posd::hq::sqlite_feed {

Status schema(sql::Db& db);
Status write(sql::Db& db, const FeedDraft& draft);
Status note(sql::Db& db, const std::string& at, const std::string& item);
Result<std::vector<FeedRow>> read(sql::Db& db, uint64_t after, size_t limit);
Result<FeedBounds> bounds(sql::Db& db);
Status drop(sql::Db& db, uint64_t through);

}  // namespace posd::hq::sqlite_feed
