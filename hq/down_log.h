// The SQLite backend of HqStore, its HQ → store half (hq/store.h): one
// down-log per store with a gap-free hq_seq from 1, and the store's
// cumulative ack of what it applied. Entries are never changed once written;
// a correction is a new entry. Several processes may append (BEGIN IMMEDIATE).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "storage/sqlite.h"
#include "hq/store.h"

namespace posd::hq {

class HqDownLog {
 public:
  // Creates the tables in `db` when absent. `db` must outlive this object.
  static Result<HqDownLog> open(sql::Db& db);

  // Appends entries for `store_id` in one transaction; returns the last hq_seq.
  Result<uint64_t> append(const std::string& store_id, const DownEntries& entries);
  // The same entries to each store, in one transaction; the last hq_seq of each.
  // `bodies`: body_texts(entries) when the caller made them already.
  Result<std::vector<uint64_t>> append_to(const std::vector<std::string>& store_ids, const DownEntries& entries,
                                          const std::vector<std::string>& bodies = {});
  // The same inside the caller's open transaction.
  Result<std::vector<uint64_t>> append_in_open(const std::vector<std::string>& store_ids, const DownEntries& entries,
                                               const std::vector<std::string>& bodies = {});
  // Up to `limit` entries from hq_seq `first` on, each body as stored, up to
  // a corrupt one (corruption when it is the first).
  Result<std::vector<sync::StoredDownEntry>> read(const std::string& store_id, uint64_t first, size_t limit);
  Result<uint64_t> head(const std::string& store_id);
  // Every store's last hq_seq, stores with an empty down-log left out.
  Result<std::map<std::string, uint64_t>> heads();
  // Schema version 2: the head column beside each store's ack, filled in.
  Status add_heads();
  Result<uint64_t> acked(const std::string& store_id);
  // Records the store's cumulative ack; an ack beyond the head is refused.
  Status ack(const std::string& store_id, uint64_t seq);

 private:
  explicit HqDownLog(sql::Db& db) : db_(&db) {}
  Result<uint64_t> append_in_txn(const std::string& store_id, const DownEntries& entries,
                                 const std::vector<std::string>& bodies);
  sql::Db* db_;
};

}  // namespace posd::hq
