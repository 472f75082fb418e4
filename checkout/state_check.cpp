#include "checkout/state_check.h"

#include <string>

#include <nlohmann/json.hpp>

#include "storage/store_tables.h"

namespace posd {

namespace {

constexpr const char* kStateChecked = "state_checked";

Status disagree(const std::string& why) {
  return Status::corruption("the store's state does not agree with its journal: " + why);
}

// Rows that name the event that made them.
Status rows_within(sql::Db& db, uint64_t head) {
  for (const char* table : {"sale", "sale_return", "stock_movement", "reservation", "closure"}) {
    auto max = db.query_int(std::string("SELECT MAX(seq) FROM ") + table);
    if (!max) return max.status();
    if (*max && static_cast<uint64_t>(**max) > head) {
      return disagree("table " + std::string(table) + " holds a row made at seq " + std::to_string(**max) +
                      ", after the journal's last event (seq " + std::to_string(head) + "): events were removed");
    }
  }
  return Status::ok();
}

// Each numbered record's counter is the number its last event carries.
Status counters_match(sql::Db& db) {
  struct Numbered {
    const char* counter;
    const char* type;
    const char* field;
  };
  for (const Numbered& n : {Numbered{"receipt_no", "sale", "$.receipt_no"}, Numbered{"return_no", "return", "$.return_no"},
                            Numbered{"z_no", "z_report", "$.z_no"}}) {
    auto counted = db.query_int("SELECT value FROM counter WHERE name = ?1", n.counter);
    // The type as a literal, so that SQLite uses its partial index (schema 12).
    auto journaled = db.query_int(std::string("SELECT json_extract(payload, '") + n.field +
                                  "') FROM journal WHERE type = '" + n.type + "' ORDER BY seq DESC LIMIT 1");
    if (!counted) return counted.status();
    if (!journaled) return journaled.status();
    const int64_t c = counted->value_or(0);
    const int64_t j = journaled->value_or(0);
    if (c != j) {
      return disagree("counter " + std::string(n.counter) + " is at " + std::to_string(c) + ", but the journal's last " +
                      n.type + " event carries " + std::to_string(j));
    }
  }
  return Status::ok();
}

// The grand total is the last Z's, moved by every sale, void and return since;
// or, when the start before this one checked it after that Z, the total it
// found then (store setting "state_checked"), moved by the events since. So a
// start sums the events since the last start or Z, not a whole year's. A
// journal cut behind that mark is a disagreement of its own.
Status grand_total_matches(sql::Db& db, uint64_t head) {
  auto last_z = db.query_int("SELECT seq FROM journal WHERE type = 'z_report' ORDER BY seq DESC LIMIT 1");
  if (!last_z) return last_z.status();
  int64_t from = last_z->value_or(0);
  auto at = db.query_int("SELECT IFNULL(json_extract(payload, '$.grand_total'), 0) FROM journal WHERE seq = " +
                         std::to_string(from));
  if (!at) return at.status();
  int64_t total_at = at->value_or(0);
  auto mark = store_settings::get(db, kStateChecked);
  if (!mark) return mark.status();
  if (*mark) {
    const auto m = nlohmann::json::parse(**mark, nullptr, false);
    if (!m.is_object() || !m.value("seq", nlohmann::json()).is_number_unsigned() ||
        !m.value("grand_total", nlohmann::json()).is_number_integer()) {
      return disagree("the mark of the last state check is not readable");
    }
    const uint64_t seq = m["seq"].get<uint64_t>();
    if (seq > head) {
      return disagree("the state was checked at seq " + std::to_string(seq) + ", after the journal's last event (seq " +
                      std::to_string(head) + "): events were removed");
    }
    if (static_cast<int64_t>(seq) > from) from = static_cast<int64_t>(seq), total_at = m["grand_total"].get<int64_t>();
  }
  auto moved = db.query_int(
      "SELECT IFNULL(SUM(CASE type WHEN 'sale' THEN json_extract(payload, '$.total') "
      "WHEN 'sale_voided' THEN -json_extract(payload, '$.total') "
      "WHEN 'return' THEN -json_extract(payload, '$.refund') ELSE 0 END), 0) FROM journal WHERE seq > " +
      std::to_string(from));
  auto counted = db.query_int("SELECT value FROM counter WHERE name = ?1", "grand_total");
  if (!moved || !counted) return Status::io_error("cannot read the grand total");
  const int64_t journaled = total_at + moved->value_or(0);
  if (counted->value_or(0) != journaled) {
    return disagree("the grand total is " + std::to_string(counted->value_or(0)) + ", but the journal makes it " +
                    std::to_string(journaled));
  }
  return store_settings::put(db, kStateChecked, nlohmann::json{{"seq", head}, {"grand_total", journaled}}.dump());
}

}  // namespace

Status check_state(sql::Db& db, uint64_t head_seq) {
  if (Status s = rows_within(db, head_seq); !s) return s;
  if (Status s = counters_match(db); !s) return s;
  return grand_total_matches(db, head_seq);
}

}  // namespace posd
