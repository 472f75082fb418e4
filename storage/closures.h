// The closures the journal holds, as rows beside it: every Z (kind "day",
// period = its business day, no = z_no) and the monthly ("month", YYYY-MM)
// and yearly ("year", YYYY) closures that sum them, each with the seq of its
// event and, once a larger closure took it in, that closure's seq. Writes run
// inside a Journal mutation, in the transaction of the event they name.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/sqlite.h"

namespace posd::closures {

struct Row {
  std::string kind;    // day | month | year
  int64_t no = 0;      // z_no for a day; 1, 2, ... for months and years
  std::string period;  // YYYY-MM-DD | YYYY-MM | YYYY
  int64_t seq = 0;
};

Status add(sql::Db& db, const Row& r);
// The closures of `kind` no larger closure has taken in yet, by no.
Result<std::vector<Row>> open(sql::Db& db, const std::string& kind);
// The last closure of `kind`, if any.
Result<std::optional<Row>> last(sql::Db& db, const std::string& kind);
// Marks closures [seqs] as taken in by the closure at `by`.
Status close(sql::Db& db, const std::vector<int64_t>& seqs, int64_t by);

}  // namespace posd::closures
