#include "hq/down_log.h"

#include "hq/down_prefix.h"

namespace posd::hq {

using json = nlohmann::json;

namespace {

constexpr const char* kDownLogSchema = R"sql(
CREATE TABLE IF NOT EXISTS hq_down (
  store_id TEXT    NOT NULL,
  hq_seq   INTEGER NOT NULL,
  kind     TEXT    NOT NULL,
  body     TEXT    NOT NULL,
  at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (store_id, hq_seq)
) STRICT;
CREATE TABLE IF NOT EXISTS hq_down_ack (
  store_id TEXT    PRIMARY KEY,
  acked    INTEGER NOT NULL
) STRICT;
)sql";

}  // namespace

Result<std::vector<std::string>> body_texts(const DownEntries& entries) {
  std::vector<std::string> out;
  out.reserve(entries.size());
  for (const auto& [kind, body] : entries) {
    if (!body.is_object()) {
      return Status::invalid_argument("entry " + std::to_string(out.size() + 1) + " (" + kind +
                                      "): its body must be a JSON object");
    }
    out.push_back(body.dump());
  }
  return out;
}

Result<const std::vector<std::string>*> body_texts(const DownEntries& entries, const std::vector<std::string>& given,
                                                   std::vector<std::string>& made) {
  if (given.size() == entries.size()) return &given;
  auto texts = body_texts(entries);
  if (!texts) return texts.status();
  made = std::move(*texts);
  return &made;
}

Result<HqDownLog> HqDownLog::open(sql::Db& db) {
  if (Status s = db.exec(kDownLogSchema); !s) return s;
  return HqDownLog(db);
}

Status HqDownLog::add_heads() {
  return db_->exec(
      "ALTER TABLE hq_down_ack ADD COLUMN head INTEGER NOT NULL DEFAULT 0;"
      "INSERT INTO hq_down_ack(store_id, acked) SELECT DISTINCT store_id, 0 FROM hq_down WHERE true "
      "ON CONFLICT(store_id) DO NOTHING;"
      "UPDATE hq_down_ack SET head = (SELECT IFNULL(MAX(hq_seq), 0) FROM hq_down d WHERE d.store_id = hq_down_ack.store_id);");
}

Result<uint64_t> HqDownLog::head(const std::string& store_id) {
  auto v = db_->query_int("SELECT head FROM hq_down_ack WHERE store_id = ?1", store_id);
  if (!v) return v.status();
  return static_cast<uint64_t>(v->value_or(0));
}

Result<std::map<std::string, uint64_t>> HqDownLog::heads() {
  auto st = db_->cached("SELECT store_id, head FROM hq_down_ack WHERE head > 0");
  if (!st) return st.status();
  std::map<std::string, uint64_t> out;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return row.status();
    if (!*row) break;
    out[(*st)->text(0)] = static_cast<uint64_t>((*st)->int64(1));
  }
  (*st)->reset();
  return out;
}

Result<uint64_t> HqDownLog::acked(const std::string& store_id) {
  auto v = db_->query_int("SELECT acked FROM hq_down_ack WHERE store_id = ?1", store_id);
  if (!v) return v.status();
  return static_cast<uint64_t>(v->value_or(0));
}

Result<uint64_t> HqDownLog::append(const std::string& store_id, const DownEntries& entries) {
  auto last = append_to({store_id}, entries);
  if (!last) return last.status();
  return last->front();
}

Result<std::vector<uint64_t>> HqDownLog::append_to(const std::vector<std::string>& store_ids, const DownEntries& entries,
                                                  const std::vector<std::string>& bodies) {
  sql::Txn txn(*db_);
  if (!txn.status()) return txn.status();
  auto out = append_in_open(store_ids, entries, bodies);
  if (!out) return out;
  if (Status s = txn.commit(); !s) return s;
  return out;
}

Result<std::vector<uint64_t>> HqDownLog::append_in_open(const std::vector<std::string>& store_ids,
                                                        const DownEntries& entries,
                                                        const std::vector<std::string>& given) {
  std::vector<uint64_t> out;
  std::vector<std::string> made;
  auto bodies = body_texts(entries, given, made);  // once, whatever the number of stores
  if (!bodies) return bodies.status();
  for (const std::string& id : store_ids) {
    auto last = append_in_txn(id, entries, **bodies);
    if (!last) return last.status();
    out.push_back(*last);
  }
  return out;
}

Result<uint64_t> HqDownLog::append_in_txn(const std::string& store_id, const DownEntries& entries,
                                          const std::vector<std::string>& bodies) {
  auto last = head(store_id);
  if (!last) return last.status();
  auto ins = db_->cached("INSERT INTO hq_down(store_id, hq_seq, kind, body) VALUES (?1, ?2, ?3, ?4)");
  if (!ins) return ins.status();
  uint64_t seq = *last;
  for (size_t i = 0; i < entries.size(); ++i) {
    ++seq;
    if (Status s = (*ins)->bind(1, store_id).bind(2, static_cast<int64_t>(seq)).bind(3, entries[i].first).bind(4, bodies[i]).run();
        !s) {
      return s;
    }
  }
  auto moved = db_->cached(
      "INSERT INTO hq_down_ack(store_id, acked, head) VALUES (?1, 0, ?2) ON CONFLICT(store_id) DO UPDATE SET head = ?2");
  if (!moved) return moved.status();
  if (Status s = (*moved)->bind(1, store_id).bind(2, static_cast<int64_t>(seq)).run(); !s) return s;
  return seq;
}

Result<std::vector<sync::StoredDownEntry>> HqDownLog::read(const std::string& store_id, uint64_t first, size_t limit) {
  auto st = db_->cached("SELECT hq_seq, kind, body FROM hq_down WHERE store_id = ?1 AND hq_seq >= ?2 ORDER BY hq_seq LIMIT ?3");
  if (!st) return st.status();
  (*st)->bind(1, store_id).bind(2, static_cast<int64_t>(first)).bind(3, static_cast<int64_t>(limit));
  DownPrefix prefix;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return row.status();
    if (!*row || !prefix.add({store_id, static_cast<uint64_t>((*st)->int64(0)), (*st)->text(1), (*st)->text(2)})) break;
  }
  return std::move(prefix).take();
}

Status HqDownLog::ack(const std::string& store_id, uint64_t seq) {
  auto last = head(store_id);
  if (!last) return last.status();
  if (seq > *last) {
    return Status::invalid_argument("store " + store_id + " acked hq_seq " + std::to_string(seq) +
                                    " beyond the down-log's last " + std::to_string(*last));
  }
  auto st = db_->cached(
      "UPDATE hq_down_ack SET acked = MAX(acked, ?2) WHERE store_id = ?1");
  if (!st) return st.status();
  return (*st)->bind(1, store_id).bind(2, static_cast<int64_t>(seq)).run();
}

}  // namespace posd::hq
