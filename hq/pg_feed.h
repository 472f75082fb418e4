// The PostgreSQL backend's feed (hq/feed.h): schema version 4's table, the
// rows of a group's passes, reads and retention. Instances commit in any
// order, so every write of the feed first takes one advisory lock, held to
// its commit: ids become visible in the order they were given, and a
// consumer that read up to id N never finds a row below N later.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "hq/feed.h"
#include "hq/pg.h"

namespace posd::hq::pg_feed {

extern const char* const kSchema;  // schema version 4 (and an index of the mirror)

// Inside the caller's transaction, the last thing before its commit.
Status write(pg::Conn& conn, const std::vector<FeedDraft>& drafts);
// In a transaction of its own.
Status note(pg::Conn& conn, const std::string& at, const std::vector<std::string>& items);
Result<std::vector<FeedRow>> read(pg::Conn& conn, uint64_t after, size_t limit);
Result<FeedBounds> bounds(pg::Conn& conn);
Status drop(pg::Conn& conn, uint64_t through);

}  // namespace posd::hq::pg_feed
