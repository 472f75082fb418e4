#include "storage/store_tables.h"

namespace posd {

namespace hq_terminals {

Status put(sql::Db& db, const Row& t) {
  auto up = db.cached("INSERT OR REPLACE INTO hq_terminal(id, token_sha256, role) VALUES (?1, ?2, ?3)");
  if (!up) return up.status();
  return (*up)->bind(1, t.id).bind(2, t.token_sha256).bind(3, t.role).run();
}

Result<bool> remove(sql::Db& db, const std::string& id) {
  auto del = db.cached("DELETE FROM hq_terminal WHERE id = ?1");
  if (!del) return del.status();
  if (Status s = (*del)->bind(1, id).run(); !s) return s;
  return db.changes() > 0;
}

Result<std::optional<std::string>> holder_of(sql::Db& db, const std::string& token_sha256) {
  return sql::one<std::string>(db, "SELECT id FROM hq_terminal WHERE token_sha256 = ?1", token_sha256,
                               [](sql::Stmt& st) { return st.text(0); });
}

Result<std::vector<Row>> all(sql::Db& db) {
  return sql::all<Row>(db, "SELECT id, token_sha256, role FROM hq_terminal ORDER BY id",
                       [](sql::Stmt& st) { return Row{st.text(0), st.text(1), st.text(2)}; });
}

}  // namespace hq_terminals

namespace hq_reason_codes {

Status put(sql::Db& db, const Row& r) {
  auto up = db.cached("INSERT OR REPLACE INTO hq_reason_code(use, code, label) VALUES (?1, ?2, ?3)");
  if (!up) return up.status();
  return (*up)->bind(1, r.use).bind(2, r.code).bind(3, r.label).run();
}

Result<bool> remove(sql::Db& db, const std::string& use, const std::string& code) {
  auto del = db.cached("DELETE FROM hq_reason_code WHERE use = ?1 AND code = ?2");
  if (!del) return del.status();
  if (Status s = (*del)->bind(1, use).bind(2, code).run(); !s) return s;
  return db.changes() > 0;
}

Result<std::vector<Row>> all(sql::Db& db) {
  return sql::all<Row>(db, "SELECT use, code, label FROM hq_reason_code ORDER BY use, code",
                       [](sql::Stmt& st) { return Row{st.text(0), st.text(1), st.text(2)}; });
}

}  // namespace hq_reason_codes

namespace operators {

namespace {
constexpr const char* kColumns = "id, name, role, pin_hash, source, failed, locked_until";
Row read_row(sql::Stmt& st) {
  return Row{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.int64(5), st.int64(6)};
}
}  // namespace

Status put(sql::Db& db, const Row& r) {
  // A new PIN (a new hash) clears the wrong tries and the lockout; a new
  // name or role alone does not.
  auto up = db.cached("INSERT INTO operator(id, name, role, pin_hash, source, failed, locked_until) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, 0, 0) ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
                      "role = excluded.role, source = excluded.source, "
                      "failed = CASE WHEN pin_hash = excluded.pin_hash THEN failed ELSE 0 END, "
                      "locked_until = CASE WHEN pin_hash = excluded.pin_hash THEN locked_until ELSE 0 END, "
                      "pin_hash = excluded.pin_hash");
  if (!up) return up.status();
  return (*up)->bind(1, r.id).bind(2, r.name).bind(3, r.role).bind(4, r.pin_hash).bind(5, r.source).run();
}

Result<bool> remove(sql::Db& db, const std::string& id) {
  auto del = db.cached("DELETE FROM operator WHERE id = ?1");
  if (!del) return del.status();
  if (Status s = (*del)->bind(1, id).run(); !s) return s;
  return db.changes() > 0;
}

Result<std::optional<Row>> find(sql::Db& db, const std::string& id) {
  return sql::one<Row>(db, std::string("SELECT ") + kColumns + " FROM operator WHERE id = ?1", id, read_row);
}

Result<std::vector<Row>> all(sql::Db& db) {
  return sql::all<Row>(db, std::string("SELECT ") + kColumns + " FROM operator ORDER BY id", read_row);
}

Status set_failures(sql::Db& db, const std::string& id, int64_t failed, int64_t locked_until) {
  auto up = db.cached("UPDATE operator SET failed = ?2, locked_until = ?3 WHERE id = ?1");
  if (!up) return up.status();
  return (*up)->bind(1, id).bind(2, failed).bind(3, locked_until).run();
}

}  // namespace operators

namespace tills {

namespace {
constexpr const char* kColumns =
    "SELECT id, till, terminal, opened_seq, float, IFNULL(closed_seq, 0), IFNULL(expected, 0), IFNULL(counted, 0) FROM till_session ";
Session read_session(sql::Stmt& st) {
  return Session{st.int64(0), st.text(1), st.text(2), st.int64(3), st.int64(4), st.int64(5), st.int64(6), st.int64(7)};
}

}  // namespace

Status open(sql::Db& db, const std::string& till, const std::string& terminal, uint64_t seq, int64_t float_amount) {
  auto ins = db.cached("INSERT INTO till_session(till, terminal, opened_seq, float) VALUES (?1, ?2, ?3, ?4)");
  if (!ins) return ins.status();
  return (*ins)->bind(1, till).bind(2, terminal).bind(3, static_cast<int64_t>(seq)).bind(4, float_amount).run();
}

Result<std::optional<Session>> open_of(sql::Db& db, const std::string& till) {
  return sql::one<Session>(db, std::string(kColumns) + "WHERE till = ?1 AND closed_seq IS NULL", till, read_session);
}

Result<std::optional<Session>> open_at(sql::Db& db, const std::string& terminal) {
  return sql::one<Session>(db, std::string(kColumns) + "WHERE terminal = ?1 AND closed_seq IS NULL", terminal, read_session);
}

Status close(sql::Db& db, int64_t session, uint64_t seq, int64_t expected, int64_t counted) {
  auto up = db.cached("UPDATE till_session SET closed_seq = ?2, expected = ?3, counted = ?4 WHERE id = ?1");
  if (!up) return up.status();
  return (*up)->bind(1, session).bind(2, static_cast<int64_t>(seq)).bind(3, expected).bind(4, counted).run();
}

Result<std::vector<Session>> since(sql::Db& db, int64_t seq) {
  return sql::all<Session>(db, std::string(kColumns) + "WHERE opened_seq > ?1 OR closed_seq IS NULL OR closed_seq > ?1 ORDER BY id", seq,
                           read_session);
}

}  // namespace tills

namespace reservations {

Result<std::optional<Row>> find(sql::Db& db, const std::string& order_id) {
  return sql::one<Row>(db, "SELECT lines, status FROM reservation WHERE order_id = ?1", order_id,
                       [&order_id](sql::Stmt& st) { return Row{order_id, st.text(0), st.text(1)}; });
}

Status put(sql::Db& db, const Row& r, uint64_t seq) {
  auto st = db.cached(
      "INSERT INTO reservation(order_id, lines, status, seq) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(order_id) DO UPDATE SET status = ?3, seq = ?4");
  if (!st) return st.status();
  return (*st)->bind(1, r.order_id).bind(2, r.lines).bind(3, r.status).bind(4, static_cast<int64_t>(seq)).run();
}

}  // namespace reservations

namespace kept_baskets {

Status put(sql::Db& db, const Row& r) {
  auto st = db.cached("INSERT INTO basket_kept(id, terminal, record) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT(id) DO UPDATE SET record = ?3");
  if (!st) return st.status();
  return (*st)->bind(1, r.id).bind(2, r.terminal).bind(3, r.record).run();
}

Status end(sql::Db& db, const std::string& id, uint64_t seq) {
  auto st = db.cached("DELETE FROM basket_kept WHERE id = ?1");
  if (!st) return st.status();
  if (Status s = (*st)->bind(1, id).run(); !s) return s;
  auto mark = db.cached("INSERT INTO basket_ended(id, seq) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET seq = ?2");
  if (!mark) return mark.status();
  return (*mark)->bind(1, id).bind(2, static_cast<int64_t>(seq)).run();
}

Result<std::vector<Row>> all(sql::Db& db) {
  return sql::all<Row>(db, "SELECT id, terminal, record FROM basket_kept ORDER BY id",
                       [](sql::Stmt& st) { return Row{st.text(0), st.text(1), st.text(2)}; });
}

Result<std::vector<std::string>> ended(sql::Db& db) {
  return sql::all<std::string>(db, "SELECT id FROM basket_ended", [](sql::Stmt& st) { return st.text(0); });
}

Status forget_ended(sql::Db& db, uint64_t before_seq) {
  if (before_seq == 0) return db.exec("DELETE FROM basket_ended");
  auto st = db.cached("DELETE FROM basket_ended WHERE seq < ?1");
  if (!st) return st.status();
  return (*st)->bind(1, static_cast<int64_t>(before_seq)).run();
}

}  // namespace kept_baskets

namespace store_settings {

Result<std::optional<LocalDay>> local_day(sql::Db& db, const std::string& zone, const std::string& turn) {
  if (!zone.empty()) {
    auto day = LocalDay::make(zone, turn.empty() ? "00:00" : turn);
    if (!day) return day.status();
    auto st = db.cached("INSERT INTO store_setting(name, value) VALUES ('time_zone', ?1), ('business_day_starts', ?2) "
                        "ON CONFLICT(name) DO UPDATE SET value = excluded.value");
    if (!st) return st.status();
    if (Status s = (*st)->bind(1, day->zone()).bind(2, day->turn()).run(); !s) return s;
    return std::optional<LocalDay>(*day);
  }
  auto st = db.prepare("SELECT (SELECT value FROM store_setting WHERE name = 'time_zone'), "
                       "(SELECT value FROM store_setting WHERE name = 'business_day_starts')");
  if (!st) return st.status();
  auto row = st->step();
  if (!row) return row.status();
  if (!*row || st->is_null(0) || st->is_null(1)) return std::optional<LocalDay>();
  auto day = LocalDay::make(st->text(0), st->text(1));
  if (!day) return Status::invalid_argument("the store's kept local day: " + day.status().message());
  return std::optional<LocalDay>(*day);
}

Status put(sql::Db& db, const std::string& name, const std::string& value) {
  auto st = db.cached("INSERT INTO store_setting(name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET value = excluded.value");
  if (!st) return st.status();
  return (*st)->bind(1, name).bind(2, value).run();
}

Result<std::optional<std::string>> get(sql::Db& db, const std::string& name) {
  return sql::one<std::string>(db, "SELECT value FROM store_setting WHERE name = ?1", name,
                               [](sql::Stmt& st) { return st.text(0); });
}

}  // namespace store_settings

}  // namespace posd

