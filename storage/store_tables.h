// The store's own tables that HQ fills through the down-log and the daemon
// reads: terminals HQ provisioned (their tokens only as SHA-256), reason codes,
// operators (their PINs only as hashes), stock reservations for online orders. Writes run inside a Journal mutation.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/local_day.h"
#include "storage/sqlite.h"

namespace posd {

namespace hq_terminals {

struct Row {
  std::string id;
  std::string token_sha256;
  std::string role;  // cashier | supervisor
};

Status put(sql::Db& db, const Row& t);
// False when there was no such terminal.
Result<bool> remove(sql::Db& db, const std::string& id);
// The terminal holding this token digest, if any.
Result<std::optional<std::string>> holder_of(sql::Db& db, const std::string& token_sha256);
// Every one, by id.
Result<std::vector<Row>> all(sql::Db& db);

}  // namespace hq_terminals

// Reason codes HQ provisioned, by use (the names of checkout/reasons.h).
namespace hq_reason_codes {

struct Row {
  std::string use;
  std::string code;
  std::string label;
};

Status put(sql::Db& db, const Row& r);
// False when there was no such code.
Result<bool> remove(sql::Db& db, const std::string& use, const std::string& code);
// Every one, by use and code.
Result<std::vector<Row>> all(sql::Db& db);

}  // namespace hq_reason_codes

// The operators who sign on at the lanes (provisioned by posctl or HQ).
namespace operators {

struct Row {
  std::string id;
  std::string name;
  std::string role;      // cashier | supervisor | manager
  std::string pin_hash;  // base/pin.h; never the PIN
  std::string source;    // posctl | hq
  int64_t failed = 0;          // wrong PINs in a row
  int64_t locked_until = 0;    // Unix ms; 0: not locked
};

// Adds or replaces one; a new PIN hash clears its wrong tries and lockout.
Status put(sql::Db& db, const Row& r);
// False when there was no such operator.
Result<bool> remove(sql::Db& db, const std::string& id);
Result<std::optional<Row>> find(sql::Db& db, const std::string& id);
// Every one, by id.
Result<std::vector<Row>> all(sql::Db& db);
Status set_failures(sql::Db& db, const std::string& id, int64_t failed, int64_t locked_until);

}  // namespace operators

// Tills (cash drawers): each session from its opening at a lane to its close.
namespace tills {

struct Session {
  int64_t id = 0;
  std::string till;
  std::string terminal;
  int64_t opened_seq = 0;
  int64_t float_amount = 0;
  int64_t closed_seq = 0;  // 0: open
  int64_t expected = 0;    // at the close
  int64_t counted = 0;     // at the close
};

Status open(sql::Db& db, const std::string& till, const std::string& terminal, uint64_t seq, int64_t float_amount);
// The open session of a till, or of the till at a terminal.
Result<std::optional<Session>> open_of(sql::Db& db, const std::string& till);
Result<std::optional<Session>> open_at(sql::Db& db, const std::string& terminal);
Status close(sql::Db& db, int64_t session, uint64_t seq, int64_t expected, int64_t counted);
// The sessions opened after `seq` or still open then (a report period's), by id.
Result<std::vector<Session>> since(sql::Db& db, int64_t seq);

}  // namespace tills

namespace reservations {

struct Row {
  std::string order_id;
  std::string lines;   // JSON text: [{"sku", "qty"}]
  std::string status;  // reserved | released | picked
};

Result<std::optional<Row>> find(sql::Db& db, const std::string& order_id);
// Inserts the order, or sets its status (its lines stay as first reserved).
Status put(sql::Db& db, const Row& r, uint64_t seq);

}  // namespace reservations

// Baskets that hold a tender (a card approval), kept with the journal's
// fsync until they end, so that none vanishes without a trace even in a
// power cut; and the marks of the baskets that ended.
namespace kept_baskets {

struct Row {
  std::string id;
  std::string terminal;
  std::string record;  // the basket as JSON text
};

Status put(sql::Db& db, const Row& r);
// The basket ended with the event at `seq`: it is kept no more, and it is
// marked ended (basket_ended) for the next start's look at the basket store.
Status end(sql::Db& db, const std::string& id, uint64_t seq);
Result<std::vector<Row>> all(sql::Db& db);
// The ids of the baskets marked ended.
Result<std::vector<std::string>> ended(sql::Db& db);
// Forgets the marks of the baskets that ended before `seq` (all: 0).
Status forget_ended(sql::Db& db, uint64_t before_seq = 0);

}  // namespace kept_baskets

// The store's settings that tools opening the database need too: the local
// day's time zone and turn (posctl stamps its events with posd's day); and
// settings HQ sent (its role limits).
namespace store_settings {

// With `zone` given: checks it and `turn`, keeps both, and gives their local
// day. Without: the local day kept, if any. invalid_argument for a zone or
// turn posd cannot use.
Result<std::optional<LocalDay>> local_day(sql::Db& db, const std::string& zone, const std::string& turn);

// A setting by name (HQ's role limits: "hq_role_limits", JSON text).
Status put(sql::Db& db, const std::string& name, const std::string& value);
Result<std::optional<std::string>> get(sql::Db& db, const std::string& name);

}  // namespace store_settings

}  // namespace posd
