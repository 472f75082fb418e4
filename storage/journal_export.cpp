#include "storage/journal_export.h"

#include <string>

#include "base/json_text.h"
#include "storage/journal.h"
#include "storage/journal_rows.h"

namespace posd {

Result<Anchor> Anchor::parse(std::string_view text) {
  const auto colon = text.find(':');
  const std::string bad = "an anchor is SEQ:HASH (the seq and the 64 lower-case hex digits of the event's hash)";
  if (colon == std::string_view::npos || colon == 0 || colon > 19) return Status::invalid_argument(bad);
  Anchor a;
  for (char c : text.substr(0, colon)) {
    if (c < '0' || c > '9') return Status::invalid_argument(bad);
    a.seq = a.seq * 10 + static_cast<uint64_t>(c - '0');
  }
  a.hash = std::string(text.substr(colon + 1));
  Event probe;
  probe.prev_hash = a.hash;
  probe.hash = a.hash;
  probe.signature = std::string(128, '0');
  if (a.seq == 0 || !check_hex_form(probe)) return Status::invalid_argument(bad);
  return a;
}

namespace {

// Holds the events fed against the anchors; finish() names any not met.
class AnchorCheck {
 public:
  explicit AnchorCheck(const std::vector<Anchor>& anchors) : anchors_(anchors) {}
  Status feed(const Event& e) {
    if (!first_) {
      first_ = e.seq;
      // The first event names the hash of the one before it, under its
      // signature: an anchor there is proven too (a range exported --from).
      for (const Anchor& a : anchors_) {
        if (a.seq + 1 == e.seq && a.hash != e.prev_hash) {
          return Status::corruption("anchor seq " + std::to_string(a.seq) + ": the first event checked (seq " +
                                    std::to_string(e.seq) + ") follows another event there (prev_hash " + e.prev_hash +
                                    "): it was rewritten");
        }
      }
    }
    last_ = e.seq;
    for (const Anchor& a : anchors_) {
      if (a.seq == e.seq && a.hash != e.hash) {
        return Status::corruption("anchor seq " + std::to_string(a.seq) + ": the journal holds another event there (hash " +
                                  e.hash + "): it was rewritten");
      }
    }
    return Status::ok();
  }
  Status finish() const {
    for (const Anchor& a : anchors_) {
      if (a.seq > last_) {
        return Status::corruption("anchor seq " + std::to_string(a.seq) + ": the journal ends at seq " +
                                  std::to_string(last_) + ", before it: events were removed from its end");
      }
      if (a.seq + 1 < first_) {
        return Status::corruption("anchor seq " + std::to_string(a.seq) + ": before the first event checked (seq " +
                                  std::to_string(first_) + ") and the one it follows");
      }
    }
    return Status::ok();
  }

 private:
  const std::vector<Anchor>& anchors_;
  uint64_t first_ = 0;
  uint64_t last_ = 0;
};

}  // namespace

void ExportSpan::add(const Event& e) {
  if (count == 0) {
    first_seq = e.seq;
    first_prev_hash = e.prev_hash;
  }
  last_seq = e.seq;
  last_hash = e.hash;
  ++count;
}

Result<ExportSpan> export_range(sql::Db& db, uint64_t from, uint64_t to, std::ostream& out) {
  ExportSpan span;
  Status s = scan_journal_rows(db, from, [&](const Event& e, std::string_view payload) {
    if (to && e.seq > to) return Status::unavailable("done");
    out << export_line(e, payload) << '\n';
    span.add(e);
    return out ? Status::ok() : Status::io_error("cannot write the export");
  });
  if (!s && !(s.code() == Status::Code::unavailable && s.message() == "done")) return s;
  return span;
}

Result<uint64_t> export_journal(sql::Db& db, uint64_t from, std::ostream& out) {
  auto span = export_range(db, from, 0, out);
  if (!span) return span.status();
  return span->count;
}

Result<std::pair<uint64_t, uint64_t>> seqs_of_days(sql::Db& db, const std::string& first, const std::string& last) {
  auto st = db.prepare("SELECT MIN(seq), MAX(seq) FROM journal WHERE business_day BETWEEN ?1 AND ?2");
  if (!st) return st.status();
  st->bind(1, first).bind(2, last);
  auto row = st->step();
  if (!row) return row.status();
  if (!*row || st->is_null(0)) return Status::not_found("the journal holds no event of the days " + first + " to " + last);
  return std::pair{static_cast<uint64_t>(st->int64(0)), static_cast<uint64_t>(st->int64(1))};
}

Result<uint64_t> verify_journal(sql::Db& db, const PublicKey& key, const std::vector<Anchor>& anchors) {
  // Every row is checked: the chain starts at seq 1 with the genesis, so a
  // row below it is forged or damaged, never skipped, and a table whose
  // first row is later lost its head.
  auto lowest = db.query_int("SELECT MIN(seq) FROM journal");
  if (!lowest) return lowest.status();
  if (*lowest && **lowest < 1) {
    return Status::corruption("seq " + std::to_string(**lowest) + ": a row below seq 1, where the journal starts");
  }
  if (*lowest && **lowest > 1) {
    return Status::corruption("seq " + std::to_string(**lowest) + ": the journal's first row, but it starts at seq 1 "
                              "with the genesis: the rows before it were removed");
  }
  ChainVerifier v(key);
  AnchorCheck held(anchors);
  Status s = scan_journal_rows(db, 1, [&](const Event& e, std::string_view payload) {
    if (Status f = v.feed(e, payload); !f) return f;
    return held.feed(e);
  });
  if (!s) return s;
  if (v.count() == 0) return Status::corruption("the journal is empty: no genesis");
  if (Status a = held.finish(); !a) return a;
  return v.count();
}

Result<uint64_t> verify_export(std::istream& in, const PublicKey& key, const std::vector<Anchor>& anchors,
                               ExportSpan* span) {
  ChainVerifier v(key);
  AnchorCheck held(anchors);
  std::string line;
  uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    auto fail = [&](const std::string& why) {
      return Status::corruption("line " + std::to_string(line_no) + ": " + why);
    };
    if (line.empty()) return fail("an empty line (an export is one event a line, and nothing else)");
    // A line is exactly its event's canonical JSON: one spelling, so that
    // every reader of the file sees what the hash covers.
    auto j = parse_json(line);
    if (!j) return fail(j.status().message());
    auto e = Event::from_json(std::move(*j));
    if (!e) return fail(e.status().message());
    auto payload = payload_text(e->payload);  // checked and encoded once, for the line and the hash
    if (!payload) return fail(payload.status().message());
    if (export_line(*e, *payload) != line) {
      return fail("not in canonical form (an export line is its event's compact JSON, keys sorted)");
    }
    if (Status s = v.feed(*e, *payload); !s) return s;
    if (Status s = held.feed(*e); !s) return s;
    if (span) span->add(*e);
  }
  if (v.count() == 0) return Status::corruption("the export holds no event");
  if (Status a = held.finish(); !a) return a;
  return v.count();
}

}  // namespace posd
