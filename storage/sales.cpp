#include "storage/sales.h"

namespace posd {

namespace counter {

Result<int64_t> add(sql::Db& db, const std::string& name, int64_t by) {
  auto cached_st = db.cached("UPDATE counter SET value = value + ?2 WHERE name = ?1 RETURNING value");
  if (!cached_st) return cached_st.status();
  sql::Stmt* st = &**cached_st;
  st->bind(1, name).bind(2, by);
  auto row = st->step();
  if (!row) return row.status();
  if (!*row) return Status::not_found("no counter named " + name);
  int64_t v = st->int64(0);
  st->reset();  // finish the statement so the update is complete
  return v;
}

Result<int64_t> read(sql::Db& db, const std::string& name) {
  auto v = db.query_int("SELECT value FROM counter WHERE name = ?1", name);
  if (!v) return v.status();
  if (!*v) return Status::not_found("no counter named " + name);
  return **v;
}

}  // namespace counter

namespace sales {

namespace {

constexpr const char* kSaleColumns = "receipt_no, seq, period, business_day, terminal, total, status, body";
// A sale's row with its body: a row written since the body is read from
// the journal holds '' and takes the payload of the `sale` event at its seq
// (column 8 says so, for sale_of to hold the payload to the row's receipt
// number); an older row holds its own. A row whose event is not there reads
// with a NULL body.
constexpr const char* kSaleRead =
    "SELECT s.receipt_no, s.seq, s.period, s.business_day, s.terminal, s.total, s.status, "
    "CASE s.body WHEN '' THEN j.payload ELSE s.body END, s.body = '' FROM sale s "
    "LEFT JOIN journal j ON s.body = '' AND j.seq = s.seq AND j.type = 'sale' ";
constexpr const char* kReturnColumns = "return_no, receipt_no, seq, period, terminal, refund, body";

// The body null when the sale's event is not there, or is another sale's
// (get and each_in_period refuse it). The payload is parsed once, here.
SaleRow sale_of(const sql::Stmt& st) {
  SaleRow row{st.int64(0), static_cast<uint64_t>(st.int64(1)), st.int64(2), st.text(3), st.text(4),
              st.int64(5), st.text(6), nlohmann::json()};
  if (st.is_null(7)) return row;
  nlohmann::json body = nlohmann::json::parse(st.text(7));
  if (st.int64(8) != 0) {  // from the journal: this sale's event only if it carries this receipt number
    const auto no = body.find("receipt_no");
    if (no == body.end() || !no->is_number_integer() || no->get<int64_t>() != row.receipt_no) return row;
  }
  row.body = std::move(body);
  return row;
}

// A sale whose body is in the journal, and whose event is gone or is not
// this sale's: the journal was changed behind posd's back.
Status event_missing(const SaleRow& row) {
  return Status::corruption("sale " + std::to_string(row.receipt_no) + ": its event at seq " +
                            std::to_string(row.seq) + " is not in the journal, or is not this sale's");
}

ReturnRow return_of(const sql::Stmt& st) {
  ReturnRow r{st.int64(0), std::nullopt, static_cast<uint64_t>(st.int64(2)), st.int64(3), st.text(4),
              st.int64(5), nlohmann::json::parse(st.text(6))};
  if (!st.is_null(1)) r.receipt_no = st.int64(1);
  return r;
}

}  // namespace

Status insert(sql::Db& db, const SaleRow& s) {
  auto cached_st = db.cached(std::string("INSERT INTO sale(") + kSaleColumns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!cached_st) return cached_st.status();
  sql::Stmt* st = &**cached_st;
  return st->bind(1, s.receipt_no).bind(2, static_cast<int64_t>(s.seq)).bind(3, s.period)
      .bind(4, s.business_day).bind(5, s.terminal).bind(6, s.total).bind(7, s.status)
      .bind(8, std::string_view("")).run();  // the body is the sale event's payload (kSaleRead)
}

Result<std::optional<SaleRow>> get(sql::Db& db, int64_t receipt_no) {
  auto rows = sql::all<SaleRow>(db, std::string(kSaleRead) + "WHERE s.receipt_no = ?1", receipt_no, sale_of);
  if (!rows) return rows.status();
  if (rows->empty()) return std::optional<SaleRow>{};
  if (rows->front().body.is_null()) return event_missing(rows->front());
  return std::optional<SaleRow>{std::move(rows->front())};
}

Result<int64_t> next_copy(sql::Db& db, int64_t receipt_no) {
  auto st = db.cached("UPDATE sale SET copies = copies + 1 WHERE receipt_no = ?1 RETURNING copies");
  if (!st) return st.status();
  (*st)->bind(1, receipt_no);
  auto row = (*st)->step();
  if (!row) return row.status();
  if (!*row) return Status::not_found("no sale " + std::to_string(receipt_no));
  return (*st)->int64(0);
}

Status set_status(sql::Db& db, int64_t receipt_no, const std::string& status) {
  auto cached_st = db.cached("UPDATE sale SET status = ?2 WHERE receipt_no = ?1");
  if (!cached_st) return cached_st.status();
  sql::Stmt* st = &**cached_st;
  return st->bind(1, receipt_no).bind(2, status).run();
}

Status each_in_period(sql::Db& db, int64_t period, const std::function<Status(SaleRow&&)>& each) {
  return sql::each<SaleRow>(db, std::string(kSaleRead) + "WHERE s.period = ?1 ORDER BY s.receipt_no", period, sale_of,
                            [&each](SaleRow&& row) { return row.body.is_null() ? event_missing(row) : each(std::move(row)); });
}

Status insert_return(sql::Db& db, const ReturnRow& r) {
  auto cached_st = db.cached(std::string("INSERT INTO sale_return(") + kReturnColumns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!cached_st) return cached_st.status();
  sql::Stmt* st = &**cached_st;
  st->bind(1, r.return_no);
  if (r.receipt_no) st->bind(2, *r.receipt_no);
  else st->bind_null(2);
  return st->bind(3, static_cast<int64_t>(r.seq)).bind(4, r.period).bind(5, r.terminal).bind(6, r.refund)
      .bind(7, r.body.dump()).run();
}

Result<std::vector<ReturnRow>> returns_of(sql::Db& db, int64_t receipt_no) {
  return sql::all<ReturnRow>(db, std::string("SELECT ") + kReturnColumns + " FROM sale_return WHERE receipt_no = ?1 ORDER BY return_no",
                        receipt_no, return_of);
}

Status each_return_in_period(sql::Db& db, int64_t period, const std::function<Status(ReturnRow&&)>& each) {
  return sql::each<ReturnRow>(db, std::string("SELECT ") + kReturnColumns + " FROM sale_return WHERE period = ?1 ORDER BY return_no",
                              period, return_of, each);
}

}  // namespace sales

namespace idempotency {

Result<std::optional<Answer>> find(sql::Db& db, const std::string& terminal, const std::string& key) {
  auto cached_st = db.cached("SELECT request, status, body FROM idempotency WHERE terminal = ?1 AND key = ?2");
  if (!cached_st) return cached_st.status();
  sql::Stmt* st = &**cached_st;
  st->bind(1, terminal).bind(2, key);
  auto row = st->step();
  if (!row) return row.status();
  if (!*row) return std::optional<Answer>{};
  return std::optional<Answer>{Answer{st->text(0), static_cast<int>(st->int64(1)), st->text(2)}};
}

Status put(sql::Db& db, const std::string& terminal, const std::string& key, const Answer& a) {
  auto cached_st = db.cached("INSERT INTO idempotency(terminal, key, request, status, body) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!cached_st) return cached_st.status();
  sql::Stmt* st = &**cached_st;
  return st->bind(1, terminal).bind(2, key).bind(3, a.request).bind(4, int64_t{a.status}).bind(5, a.body).run();
}

}  // namespace idempotency
}  // namespace posd
