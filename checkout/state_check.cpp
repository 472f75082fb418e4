#include "checkout/state_check.h"

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "storage/journal.h"
#include "storage/store_tables.h"

namespace posd {

namespace {

constexpr const char* kStateChecked = "state_checked";

Status disagree(const std::string& why) {
  return Status::corruption("the store's state does not agree with its journal: " + why);
}

// Rows that name the event that made them. Each table's last seq is found
// without reading the table: a sale's and a return's seq grow with their
// number (both given in the same write, by the one writer), so the last
// numbered row holds it; the movements and the closures have an index on seq;
// the reservations are few.
Status rows_within(sql::Db& db, uint64_t head) {
  struct Last {
    const char* table;
    const char* query;
  };
  for (const Last& last : {Last{"sale", "SELECT seq FROM sale ORDER BY receipt_no DESC LIMIT 1"},
                           Last{"sale_return", "SELECT seq FROM sale_return ORDER BY return_no DESC LIMIT 1"},
                           Last{"stock_movement", "SELECT MAX(seq) FROM stock_movement"},
                           Last{"reservation", "SELECT MAX(seq) FROM reservation"},
                           Last{"closure", "SELECT MAX(seq) FROM closure"}}) {
    auto max = db.query_int(last.query);
    if (!max) return max.status();
    if (*max && static_cast<uint64_t>(**max) > head) {
      return disagree("table " + std::string(last.table) + " holds a row made at seq " + std::to_string(**max) +
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

// The mark the last agreeing check left (store setting "state_checked"):
// the seq it checked up to, that event's hash, the grand total it found, all
// signed with the store key. It is only a short cut: a mark that is missing,
// unreadable or not the key's is passed over and the sum starts from the last
// Z, as it did before marks; one the key signed is held against the journal.
struct Mark {
  uint64_t seq = 0;
  std::string hash;
  int64_t grand_total = 0;
};

std::string mark_digest(uint64_t seq, const std::string& hash, int64_t grand_total) {
  return sha256("posd state mark\n" + std::to_string(seq) + "\n" + hash + "\n" + std::to_string(grand_total));
}

std::optional<Mark> signed_mark(sql::Db& db, const StoreKey& key) {
  auto text = store_settings::get(db, kStateChecked);
  if (!text || !*text) return std::nullopt;
  const auto m = nlohmann::json::parse(**text, nullptr, false);
  if (!m.is_object() || !m.value("seq", nlohmann::json()).is_number_unsigned() ||
      !m.value("grand_total", nlohmann::json()).is_number_integer() || !m.value("hash", nlohmann::json()).is_string() ||
      !m.value("signature", nlohmann::json()).is_string()) {
    return std::nullopt;
  }
  Mark mark{m["seq"].get<uint64_t>(), m["hash"].get<std::string>(), m["grand_total"].get<int64_t>()};
  auto sig = from_hex(m["signature"].get<std::string>());
  if (!sig || !key.public_key().verify(mark_digest(mark.seq, mark.hash, mark.grand_total), *sig)) return std::nullopt;
  return mark;
}

// The grand total is the last Z's, moved by every sale, void and return since;
// or, when the key's mark is later than that Z, the mark's, moved by the
// events since it. So a start sums the events since the last start or Z, not
// a whole year's.
Status grand_total_matches(sql::Db& db, uint64_t head, const StoreKey* key) {
  auto last_z = db.query_int("SELECT seq FROM journal WHERE type = 'z_report' ORDER BY seq DESC LIMIT 1");
  if (!last_z) return last_z.status();
  int64_t from = last_z->value_or(0);
  auto at = db.query_int("SELECT IFNULL(json_extract(payload, '$.grand_total'), 0) FROM journal WHERE seq = " +
                         std::to_string(from));
  if (!at) return at.status();
  int64_t total_at = at->value_or(0);
  if (std::optional<Mark> mark = key ? signed_mark(db, *key) : std::nullopt) {
    if (mark->seq > head) {
      return disagree("the state was checked at seq " + std::to_string(mark->seq) +
                      ", after the journal's last event (seq " + std::to_string(head) + "): events were removed");
    }
    auto at_mark = event_hash(db, mark->seq);
    if (!at_mark) return at_mark.status();
    if (*at_mark != mark->hash) {
      return disagree("the event at seq " + std::to_string(mark->seq) +
                      " is not the one the state was last checked against: the journal was rewritten");
    }
    if (static_cast<int64_t>(mark->seq) > from) from = static_cast<int64_t>(mark->seq), total_at = mark->grand_total;
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
  if (!key || head == 0) return Status::ok();
  // The next start's short cut. Kept only when it can be: a mark that could
  // not be written costs that start the longer sum, never a refusal.
  auto at_head = event_hash(db, head);
  if (!at_head || !*at_head) return Status::ok();
  const std::string& head_hash = **at_head;
  const std::string sig = to_hex(key->sign(mark_digest(head, head_hash, journaled)));
  (void)store_settings::put(db, kStateChecked,
                            nlohmann::json{{"seq", head}, {"hash", head_hash}, {"grand_total", journaled}, {"signature", sig}}
                                .dump());
  return Status::ok();
}

}  // namespace

Status check_state(sql::Db& db, uint64_t head_seq, const StoreKey* key) {
  if (Status s = rows_within(db, head_seq); !s) return s;
  if (Status s = counters_match(db); !s) return s;
  return grand_total_matches(db, head_seq, key);
}

}  // namespace posd
