#include "storage/journal_export.h"

#include <string>

#include "base/json_text.h"
#include "storage/journal.h"

namespace posd {

Result<uint64_t> export_journal(sql::Db& db, uint64_t from, std::ostream& out) {
  uint64_t n = 0;
  Status s = scan_journal(db, from, [&](const Event& e) {
    out << e.to_json().dump() << '\n';
    ++n;
    return out ? Status::ok() : Status::io_error("cannot write the export");
  });
  if (!s) return s;
  return n;
}

Result<uint64_t> verify_journal(sql::Db& db, const PublicKey& key) {
  // Every row is checked: the chain starts at seq 1, so a row below it is
  // forged or damaged, never skipped.
  auto lowest = db.query_int("SELECT MIN(seq) FROM journal");
  if (!lowest) return lowest.status();
  if (*lowest && **lowest < 1) {
    return Status::corruption("seq " + std::to_string(**lowest) + ": a row below seq 1, where the journal starts");
  }
  ChainVerifier v(key);
  Status s = scan_journal(db, 1, [&](const Event& e) { return v.feed(e); });
  if (!s) return s;
  if (v.count() == 0) return Status::corruption("the journal is empty: no genesis");
  return v.count();
}

Result<uint64_t> verify_export(std::istream& in, const PublicKey& key) {
  ChainVerifier v(key);
  std::string line;
  uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    auto fail = [&](const std::string& why) {
      return Status::corruption("line " + std::to_string(line_no) + ": " + why);
    };
    // A line is exactly its event's canonical JSON: one spelling, so that
    // every reader of the file sees what the hash covers.
    auto j = parse_json(line);
    if (!j) return fail(j.status().message());
    auto e = Event::from_json(*j);
    if (!e) return fail(e.status().message());
    if (Status s = check_payload(e->payload); !s) return fail(s.message());
    if (e->to_json().dump() != line) return fail("not in canonical form (an export line is its event's compact JSON, keys sorted)");
    if (Status s = v.feed(*e); !s) return s;
  }
  if (v.count() == 0) return Status::corruption("the export holds no event");
  return v.count();
}

}  // namespace posd
