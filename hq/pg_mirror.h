// The PostgreSQL backend's half of the mirror (hq/mirror.h) and of the
// changes: schema version 3's tables, a pass's writes (one multi-row
// statement per table), and the reads the HQ API makes. On the caller's
// connection, inside its transaction where one is open.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hq/pg.h"
#include "hq/store.h"

namespace posd::hq::pg_mirror {

extern const char* const kSchema;  // schema version 3

Result<std::optional<Event>> held_sale(pg::Conn& conn, const std::string& store_id, std::optional<uint64_t> seq,
                                       int64_t receipt_no);
Status apply(pg::Conn& conn, const std::string& store_id, const MirrorDelta& delta);

Result<std::vector<StockAt>> stock_of(pg::Conn& conn, const std::string& sku);
Result<DaySales> sales_of(pg::Conn& conn, const std::string& store_id, const std::string& business_day);
Result<uint64_t> record_change(pg::Conn& conn, const std::string& kind, const std::vector<std::string>& store_ids,
                               const std::vector<uint64_t>& last, size_t entries, const std::string& at,
                               const std::vector<std::string>& skus, const std::string& order_ref);
Result<OrderView> order(pg::Conn& conn, const std::string& order_ref);
Result<std::vector<std::string>> unknown_skus(pg::Conn& conn, const std::vector<std::string>& skus);
Result<std::optional<Change>> change(pg::Conn& conn, uint64_t id);

}  // namespace posd::hq::pg_mirror
