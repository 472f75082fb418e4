#include "hq/pg.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>

#include "base/log.h"

namespace posd::pg {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMostBackoff = std::chrono::milliseconds(5000);

std::string first_line(const char* message) {
  std::string m = message ? message : "";
  m = m.substr(0, m.find('\n'));
  return m.empty() ? "no message" : m;
}

}  // namespace

struct Conn::Handle {
  ~Handle() {
    if (conn) PQfinish(conn);
  }
  PGconn* conn = nullptr;
  Clock::time_point next_attempt{};
  Clock::duration backoff = kFirstBackoff;
  bool lost = false;
};

Rows::Rows(PGresult* res) : res_(res, PQclear) {}
int Rows::size() const { return PQntuples(res_.get()); }
bool Rows::null(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
std::string Rows::text(int row, int col) const {
  return std::string(PQgetvalue(res_.get(), row, col), static_cast<size_t>(PQgetlength(res_.get(), row, col)));
}
int64_t Rows::int64(int row, int col) const {
  return null(row, col) ? 0 : std::strtoll(PQgetvalue(res_.get(), row, col), nullptr, 10);
}

std::string Rows::command() const { return PQcmdStatus(res_.get()); }

namespace {

// A session's limits: a lock held by an instance cut off mid-batch, or a
// transaction left idle, stops the other instances for seconds, not hours.
bool configure(PGconn* conn) {
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);  // "already exists, skipping"
  PGresult* res = PQexec(conn, "SET lock_timeout = '10s'; SET idle_in_transaction_session_timeout = '60s'");
  const bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
  PQclear(res);
  return ok;
}

}  // namespace

Result<Conn> Conn::connect(const std::string& url) {
  // A URL libpq cannot parse is refused with words of our own: libpq's
  // message quotes the part it stumbled on, which may be the password.
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
  if (parse_error) PQfreemem(parse_error);
  if (!options) return Status::invalid_argument("the PostgreSQL URL does not parse (libpq's URL; percent-encode % and spaces)");
  PQconninfoFree(options);
  auto h = std::make_shared<Handle>();
  h->conn = PQconnectdb(url.c_str());
  if (!h->conn) return Status::unavailable("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(h->conn) != CONNECTION_OK || !configure(h->conn)) {
    // A connection failure names host, port, user and database, never the password.
    return Status::unavailable("cannot connect to PostgreSQL: " + first_line(PQerrorMessage(h->conn)));
  }
  const char* host = PQhost(h->conn);
  std::string where = std::string(host && *host ? host : "localhost") + ":" + PQport(h->conn) + "/" + PQdb(h->conn);
  return Conn(std::move(h), std::move(where));
}

bool Conn::lost() const { return h_->lost || PQstatus(h_->conn) != CONNECTION_OK; }

Status Conn::usable() {
  if (PQstatus(h_->conn) == CONNECTION_OK && !h_->lost) return Status::ok();
  const auto now = Clock::now();
  if (now < h_->next_attempt) return Status::unavailable("PostgreSQL at " + where_ + " is unavailable");
  PQreset(h_->conn);
  if (PQstatus(h_->conn) == CONNECTION_OK && configure(h_->conn)) {
    log::get("hq")->info("PostgreSQL at {}: connected again", where_);
    h_->lost = false;
    h_->backoff = kFirstBackoff;
    return Status::ok();
  }
  h_->next_attempt = now + h_->backoff;
  h_->backoff = std::min<Clock::duration>(h_->backoff * 2, kMostBackoff);
  return Status::unavailable("PostgreSQL at " + where_ + " is unavailable: " + first_line(PQerrorMessage(h_->conn)));
}

Status Conn::failure(PGresult* res, const std::string& sql) {
  const std::string message = first_line(res ? PQresultErrorMessage(res) : PQerrorMessage(h_->conn));
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string code = state ? state : "";
  if (res) PQclear(res);
  // libpq's own errors (no SQLSTATE: "server closed the connection
  // unexpectedly"), class 08 (connection exception) and 57P (the server
  // shutting down or crashed) can come while the connection still says ok.
  const bool going = code.empty() || code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0;
  if (PQstatus(h_->conn) != CONNECTION_OK || going) {
    if (!h_->lost) log::get("hq")->error("PostgreSQL at {}: connection lost: {}", where_, message);
    h_->lost = true;
    h_->next_attempt = Clock::now();
    return Status::unavailable("lost the connection to PostgreSQL at " + where_ + ": " + message);
  }
  if (code == "23505") return Status::conflict(message);
  if (code == "55P03" || code == "25P03") {  // lock_timeout, idle_in_transaction_session_timeout
    return Status::unavailable("PostgreSQL at " + where_ + ": " + message);
  }
  return Status::io_error("PostgreSQL refused \"" + sql.substr(0, 60) + "\": " + message);
}

Result<Rows> Conn::exec(const std::string& sql, const std::vector<Param>& params) {
  if (Status s = usable(); !s) return s;
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) {
    // libpq takes C strings: a NUL inside would cut the value short unseen.
    if (p && p->find('\0') != std::string::npos) return Status::invalid_argument("a value holds a NUL character");
    values.push_back(p ? p->c_str() : nullptr);
  }
  PGresult* res = PQexecParams(h_->conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                               nullptr, 0);
  const ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return failure(res, sql);
  return Rows(res);
}

Status Conn::script(const std::string& sql) {
  if (Status s = usable(); !s) return s;
  PGresult* res = PQexec(h_->conn, sql.c_str());
  const ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return failure(res, sql);
  PQclear(res);
  return Status::ok();
}

Txn::Txn(Conn& conn, std::string savepoint) : conn_(conn), savepoint_(std::move(savepoint)) {
  status_ = conn_.script(savepoint_.empty() ? "BEGIN" : "SAVEPOINT " + savepoint_);
  open_ = status_.is_ok();
}

Txn::~Txn() {
  // A transaction whose connection was lost died with it.
  if (!open_ || conn_.lost()) return;
  (void)conn_.script(savepoint_.empty() ? "ROLLBACK" : "ROLLBACK TO " + savepoint_ + "; RELEASE " + savepoint_);
}

Status Txn::commit() {
  if (!open_) return status_.is_ok() ? Status::invalid_argument("the transaction is over") : status_;
  open_ = false;
  if (!savepoint_.empty()) return conn_.script("RELEASE " + savepoint_);
  // COMMIT of a transaction that failed answers "ROLLBACK", not an error.
  auto r = conn_.exec("COMMIT");
  if (!r) return r.status();
  if (r->command() != "COMMIT") return Status::io_error("PostgreSQL rolled the transaction back");
  return Status::ok();
}

std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const std::string& v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string int_array(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (int64_t v : values) {
    if (out.size() > 1) out += ',';
    out += std::to_string(v);
  }
  return out + "}";
}

std::string bool_array(const std::vector<bool>& values) {
  std::string out = "{";
  for (bool v : values) {
    if (out.size() > 1) out += ',';
    out += v ? 't' : 'f';
  }
  return out + "}";
}

}  // namespace posd::pg
