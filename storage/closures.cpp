#include "storage/closures.h"

namespace posd::closures {

namespace {

Result<std::vector<Row>> rows(sql::Stmt& st) {
  std::vector<Row> out;
  for (;;) {
    auto row = st.step();
    if (!row) return row.status();
    if (!*row) return out;
    out.push_back({st.text(0), st.int64(1), st.text(2), st.int64(3)});
  }
}

}  // namespace

Status add(sql::Db& db, const Row& r) {
  auto st = db.cached("INSERT INTO closure(kind, no, period, seq) VALUES (?1, ?2, ?3, ?4)");
  if (!st) return st.status();
  return (*st)->bind(1, r.kind).bind(2, r.no).bind(3, r.period).bind(4, r.seq).run();
}

Result<std::vector<Row>> open(sql::Db& db, const std::string& kind) {
  auto st = db.prepare("SELECT kind, no, period, seq FROM closure WHERE kind = ?1 AND closed_by IS NULL ORDER BY no");
  if (!st) return st.status();
  st->bind(1, kind);
  return rows(*st);
}

Result<std::optional<Row>> last(sql::Db& db, const std::string& kind) {
  auto st = db.prepare("SELECT kind, no, period, seq FROM closure WHERE kind = ?1 ORDER BY no DESC LIMIT 1");
  if (!st) return st.status();
  st->bind(1, kind);
  auto all = rows(*st);
  if (!all) return all.status();
  if (all->empty()) return std::optional<Row>();
  return std::optional<Row>(all->front());
}

Status close(sql::Db& db, const std::vector<int64_t>& seqs, int64_t by) {
  auto st = db.cached("UPDATE closure SET closed_by = ?2 WHERE seq = ?1 AND closed_by IS NULL");
  if (!st) return st.status();
  for (int64_t seq : seqs) {
    if (Status s = (*st)->bind(1, seq).bind(2, by).run(); !s) return s;
  }
  return Status::ok();
}

}  // namespace posd::closures
