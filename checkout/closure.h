// Monthly and yearly closures. A month closes once the business day is past
// it: its closure sums the month's Z reports (receipts first to last, counts,
// totals, tenders, tax), carries the grand total of its last Z, and names the
// Zs it closes by number and seq. A year closes the same way over its months.
// Each is one signed journal event, `period_closed`, whose seq and hash are
// its anchor. A Z that lands in a month already closed (the clock went back)
// is taken into the next month's closure, so that none is left out; a Z
// dated ahead (the clock ran ahead) waits for its own month.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checkout/outcome.h"
#include "storage/journal.h"

namespace posd {

// The figures of several closures (z_report or period_closed payloads, in
// order) added up: counts, totals, tenders by type, tax by class and rate,
// receipts first to last, and the last one's grand total. Corruption when a
// payload lacks a figure or a sum does not fit in 64 bits.
Result<nlohmann::json> sum_closures(const std::vector<nlohmann::json>& closed);

// Inside a write: journals the closure of every month, then of every year,
// that ended before the write's business day and holds a Z (or a month) no
// closure took in yet. Returns the closures made, each with its "seq".
Result<std::vector<nlohmann::json>> close_ended_periods(WriteContext& ctx, std::vector<Entry>& entries,
                                                        const std::string& terminal, const std::string& approver);

// Inside a write, where the store requires a day's Z before the next
// business day's first sale or return (z_before_next_day): 409 z_required,
// naming the day, when the open period holds a sale or a return of a
// business day before the write's; success otherwise.
Outcome require_day_closed(WriteContext& ctx);

}  // namespace posd
