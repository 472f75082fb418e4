// The SQLite backend's half of the mirror (hq/mirror.h) and of the changes:
// the tables, a pass's writes, and the reads the HQ API makes. Runs on the
// ledger's connection, inside the caller's transaction where one is open.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hq/store.h"
#include "storage/sqlite.h"

namespace posd::hq::sqlite_mirror {

Status schema(sql::Db& db);
// Empties the mirror's tables (before a rebuild).
Status clear(sql::Db& db);
Result<std::optional<Event>> held_sale(sql::Db& db, const std::string& store_id, std::optional<uint64_t> seq,
                                       int64_t receipt_no);
Status apply(sql::Db& db, const std::string& store_id, const MirrorDelta& delta);

Result<std::vector<StockAt>> stock_of(sql::Db& db, const std::string& sku);
Result<DaySales> sales_of(sql::Db& db, const std::string& store_id, const std::string& business_day);
// Records a change whose entries were appended (last hq_seq of each store),
// and the SKUs its catalog brings.
Result<uint64_t> record_change(sql::Db& db, const std::string& kind, const std::vector<std::string>& store_ids,
                               const std::vector<uint64_t>& last, size_t entries, const std::vector<std::string>& skus,
                               const std::string& order_ref);
Result<OrderView> order(sql::Db& db, const std::string& order_ref);
Result<std::vector<std::string>> unknown_skus(sql::Db& db, const std::vector<std::string>& skus);
Result<std::optional<Change>> change(sql::Db& db, uint64_t id);

}  // namespace posd::hq::sqlite_mirror
