// HQ's mirror of each store, derived from the journal events it stores, in
// the same transaction: stock on hand per SKU (moved exactly as the store
// moved it, so HQ's figure equals the store's GET /v1/stock/{sku} as of the
// seq HQ holds), sales figures per business day, hour (UTC) and SKU, what
// became of each down-log entry (applied with the store's seq, or
// quarantined with the reason) and each click-and-collect order's state.
// A MirrorPass takes one pass's events in order; its Delta is what a
// backend writes (LedgerTxn::apply_mirror). docs/hq-operations.md, "The mirror".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "storage/event.h"

namespace posd::hq {

// on_hand becomes *set, or what HQ held + delta (a set figure takes this
// pass's later moves itself); reserved (what click-and-collect orders hold,
// already out of on_hand) moves by reserved.
struct StockFigure {
  std::optional<int64_t> set;
  int64_t delta = 0;
  int64_t reserved = 0;
  uint64_t seq = 0;  // the last event that moved it
};

struct SalesKey {
  std::string business_day;
  int hour = 0;     // 0..23, of the event's UTC time
  std::string sku;  // "": the receipts themselves
  bool operator<(const SalesKey& o) const {
    return std::tie(business_day, hour, sku) < std::tie(o.business_day, o.hour, o.sku);
  }
};

// Added to what HQ holds under a SalesKey. For sku "": count is receipts,
// amount their totals, refunded the returns' refunds. For a SKU: count is
// lines, quantity units (grams for weighed items), amount the lines' net
// amounts; returned and refunded its returns. A void takes its sale back out
// of the sale's own hour.
struct SalesFigure {
  int64_t count = 0, quantity = 0, amount = 0, returned = 0, refunded = 0;
};

struct DownOutcome {
  uint64_t hq_seq = 0;
  uint64_t store_seq = 0;
  bool applied = false;
  std::string kind;
  std::string reason;  // quarantined: why
};

struct Reservation {
  std::string order_id;
  std::string status;  // reserved, released, picked
  nlohmann::json lines;
  uint64_t store_seq = 0;
};

struct MirrorDelta {
  std::map<std::string, StockFigure> stock;
  std::map<SalesKey, SalesFigure> sales;
  std::vector<DownOutcome> outcomes;
  std::map<std::string, Reservation> reservations;  // by order id
  bool empty() const { return stock.empty() && sales.empty() && outcomes.empty() && reservations.empty(); }
};

// A stored event HQ already holds: a voided sale is looked up by the seq the
// void names (or, in journals from before voids named it, by receipt number).
using HeldSale = std::function<Result<std::optional<Event>>(std::optional<uint64_t> seq, int64_t receipt_no)>;

class MirrorPass {
 public:
  explicit MirrorPass(HeldSale held) : held_(std::move(held)) {}
  // Takes the next event of the store. An event whose payload is not as the
  // journal's documentation says (or holds a NUL character, or would take a
  // figure past 64 bits) is left out of the mirror and counted, never a
  // failure: the ledger still holds it. Fails only when a lookup fails.
  Status take(const Event& e);
  const MirrorDelta& delta() const { return delta_; }
  uint64_t skipped() const { return skipped_; }

 private:
  Status take_one(const Event& e);
  Status sold(const Event& sale, int sign, const std::string& business_day, int hour, uint64_t seq);
  Status stock(const std::string& sku, int64_t delta, uint64_t seq);
  Status figure(const SalesKey& k, int64_t SalesFigure::*field, int64_t v);
  Status applied(const Event& e);

  HeldSale held_;
  MirrorDelta delta_;
  std::map<uint64_t, Event> sales_;  // this pass's sales, for a void in the same pass
  uint64_t skipped_ = 0;
};

// The hour (0..23) of an RFC 3339 UTC time, or -1.
int hour_of(const std::string& ts);

// SQL (SQLite's and PostgreSQL's alike) for held + added that keeps `held`
// when the sum would pass 64 bits: a store's figures never stop its batches.
std::string sql_checked_add(const std::string& held, const std::string& added);

}  // namespace posd::hq
