#include "checkout/closure.h"

#include <array>
#include <algorithm>
#include <charconv>
#include <map>
#include <utility>

#include "base/json_text.h"
#include "checkout/money.h"
#include "storage/closures.h"

namespace posd {

using json = nlohmann::json;

namespace {

constexpr const char* kCounts[] = {"sale_count", "void_count",    "return_count", "sales_total",
                                   "discount_total", "voided_total", "refund_total", "net_total"};
// Figures Zs carry since posd took manual discounts: none in the Zs before.
constexpr const char* kLaterCounts[] = {"manual_discount_count", "manual_discount_total"};

// a += b, or false when it does not fit.
bool add_to(int64_t& a, int64_t b) {
  auto sum = money::add(a, b);
  if (!sum) return false;
  a = *sum;
  return true;
}

struct Sums {
  std::map<std::string, int64_t> counts;
  std::map<std::string, std::array<int64_t, 2>> tenders;                    // type → sales, refunds
  std::map<std::pair<std::string, int64_t>, std::array<int64_t, 3>> taxes;  // class, rate → base, tax, refunded
  int64_t first_receipt = 0;
  int64_t last_receipt = 0;
  int64_t grand_total = 0;
};

// Adds one closure's figures; false when a sum does not fit. Throws json's
// exceptions on a payload without its figures.
bool add_closure(Sums& s, const json& c) {
  for (const char* k : kCounts) {
    if (!add_to(s.counts[k], c.at(k).get<int64_t>())) return false;
  }
  for (const char* k : kLaterCounts) {
    if (!add_to(s.counts[k], c.value(k, int64_t{0}))) return false;
  }
  for (const json& t : c.at("tenders")) {
    auto& sum = s.tenders[t.at("type").get<std::string>()];
    if (!add_to(sum[0], t.at("sales").get<int64_t>()) || !add_to(sum[1], t.at("refunds").get<int64_t>())) return false;
  }
  for (const json& t : c.at("tax")) {
    auto& sum = s.taxes[{t.at("class").get<std::string>(), t.at("rate_bp").get<int64_t>()}];
    if (!add_to(sum[0], t.at("sales_base").get<int64_t>()) || !add_to(sum[1], t.at("sales_tax").get<int64_t>()) ||
        !add_to(sum[2], t.at("refunded_tax").get<int64_t>())) {
      return false;
    }
  }
  // Zs journaled before they carried their receipts add none.
  const json r = c.value("receipts", json{{"first", 0}, {"last", 0}});
  const int64_t first = r.at("first").get<int64_t>();
  const int64_t last = r.at("last").get<int64_t>();
  if (first > 0 && (s.first_receipt == 0 || first < s.first_receipt)) s.first_receipt = first;
  if (last > s.last_receipt) s.last_receipt = last;
  s.grand_total = c.at("grand_total").get<int64_t>();
  return true;
}

json to_json(const Sums& s) {
  json out = json::object();
  for (const char* k : kCounts) out[k] = s.counts.count(k) ? s.counts.at(k) : 0;
  for (const char* k : kLaterCounts) out[k] = s.counts.count(k) ? s.counts.at(k) : 0;
  json tenders = json::array();
  for (const auto& [type, v] : s.tenders) {
    tenders.push_back({{"type", type}, {"sales", v[0]}, {"refunds", v[1]}, {"net", v[0] - v[1]}});
  }
  json tax = json::array();
  for (const auto& [key, v] : s.taxes) {
    tax.push_back({{"class", key.first},
                   {"rate_bp", key.second},
                   {"sales_base", v[0]},
                   {"sales_tax", v[1]},
                   {"refunded_tax", v[2]},
                   {"net_tax", v[1] - v[2]}});
  }
  out["tenders"] = std::move(tenders);
  out["tax"] = std::move(tax);
  out["receipts"] = {{"first", s.first_receipt}, {"last", s.last_receipt}};
  out["grand_total"] = s.grand_total;
  return out;
}

Result<json> payload_at(sql::Db& db, int64_t seq) {
  auto st = db.cached("SELECT payload FROM journal WHERE seq = ?1");
  if (!st) return st.status();
  (*st)->bind(1, seq);
  auto row = (*st)->step();
  if (!row) return row.status();
  if (!*row) return Status::corruption("closure at seq " + std::to_string(seq) + ": no such journal event");
  auto payload = parse_json((*st)->text(0));
  if (!payload) return Status::corruption("closure at seq " + std::to_string(seq) + ": " + payload.status().message());
  return std::move(*payload);
}

// The period after a closed one: "2026-11" → "2026-12", "2026-12" →
// "2027-01", "2026" → "2027"; "" when the text is no such period.
std::string period_after(const std::string& period) {
  auto number = [&](size_t at, size_t len) {
    int v = 0;
    const char* begin = period.data() + at;
    auto [end, ec] = std::from_chars(begin, begin + len, v);
    return ec == std::errc() && end == begin + len ? v : -1;
  };
  const int y = period.size() >= 4 ? number(0, 4) : -1;
  if (y < 0 || y >= 9999) return "";
  if (period.size() == 4) return std::to_string(y + 1);
  const int m = period.size() == 7 && period[4] == '-' ? number(5, 2) : -1;
  if (m < 1 || m > 12) return "";
  const int ny = m == 12 ? y + 1 : y;
  const int nm = m == 12 ? 1 : m + 1;
  std::string out = std::to_string(ny) + (nm < 10 ? "-0" : "-") + std::to_string(nm);
  return std::string(4 - std::min<size_t>(4, std::to_string(ny).size()), '0') + out;
}

struct Group {
  std::string period;
  std::vector<closures::Row> closed;
};

// Open closures of `kind` grouped by the period they fall in (`key_len`
// characters of their own period), keeping only periods that ended before
// `now`, in order. A row dated before the periods still open (the clock
// went back) joins the period of the row before it, or the first one still
// open; a row dated ahead of `now` (the clock ran ahead) waits for its own
// period and holds up no other.
Result<std::vector<Group>> ended(sql::Db& db, const std::string& kind, const std::string& into, size_t key_len,
                                 const std::string& now) {
  auto open = closures::open(db, kind);
  if (!open) return open.status();
  auto last = closures::last(db, into);
  if (!last) return last.status();
  std::string floor = *last ? period_after((*last)->period) : "";  // the first period still open for closing
  if (into == "month") {
    // Nor a month of a year already closed.
    auto year = closures::last(db, "year");
    if (!year) return year.status();
    if (*year) floor = std::max(floor, period_after((*year)->period) + "-01");
  }
  std::map<std::string, Group> by_period;
  for (const closures::Row& r : *open) {  // in the order they were made
    std::string period = r.period.size() >= key_len ? r.period.substr(0, key_len) : r.period;
    if (period >= now) continue;  // ahead: it waits for its own period
    if (period < floor) period = floor;
    if (period >= now) continue;  // the period it joins has not ended
    floor = period;
    Group& g = by_period[period];
    g.period = period;
    g.closed.push_back(r);
  }
  std::vector<Group> out;
  for (auto& [period, g] : by_period) out.push_back(std::move(g));
  return out;
}

}  // namespace

Result<json> sum_closures(const std::vector<json>& closed) {
  Sums s;
  for (const json& c : closed) {
    try {
      if (!add_closure(s, c)) return Status::corruption("the closures' figures do not fit in 64 bits");
    } catch (const json::exception&) {
      return Status::corruption("a closure lacks its figures (report " + c.value("report", json("?")).dump() + ")");
    }
  }
  return to_json(s);
}

Result<std::vector<json>> close_ended_periods(WriteContext& ctx, std::vector<Entry>& entries, const std::string& terminal,
                                              const std::string& approver) {
  std::vector<json> made;
  struct Level {
    const char* kind;     // what closes
    const char* of;       // what it takes in
    size_t key_len;       // of the period's text: 7 for YYYY-MM, 4 for YYYY
  };
  for (const Level level : {Level{"month", "day", 7}, Level{"year", "month", 4}}) {
    const std::string now = ctx.business_day.substr(0, level.key_len);
    auto groups = ended(ctx.db, level.of, level.kind, level.key_len, now);
    if (!groups) return groups.status();
    for (const Group& g : *groups) {
      std::vector<json> payloads;
      json closes = json::array();
      std::vector<int64_t> seqs;
      for (const closures::Row& r : g.closed) {
        // A month closed in this same write is not in the journal yet.
        const auto in_write = static_cast<uint64_t>(r.seq) >= ctx.next_seq
                                  ? static_cast<size_t>(static_cast<uint64_t>(r.seq) - ctx.next_seq)
                                  : entries.size();
        if (in_write < entries.size()) {
          payloads.push_back(entries[in_write].payload);
        } else {
          auto p = payload_at(ctx.db, r.seq);
          if (!p) return p.status();
          payloads.push_back(std::move(*p));
        }
        if (std::string(level.of) == "day") {
          closes.push_back({{"z_no", r.no}, {"business_day", r.period}, {"seq", r.seq}});
        } else {
          closes.push_back({{"closure_no", r.no}, {"month", r.period}, {"seq", r.seq}});
        }
        seqs.push_back(r.seq);
      }
      auto sums = sum_closures(payloads);
      if (!sums) return sums.status();
      auto last = closures::last(ctx.db, level.kind);
      if (!last) return last.status();
      const int64_t no = *last ? (*last)->no + 1 : 1;
      const int64_t seq = static_cast<int64_t>(ctx.next_seq + entries.size());
      json record = std::move(*sums);
      record["report"] = level.kind;
      record["closure_no"] = no;
      record[level.kind] = g.period;
      record["business_day"] = ctx.business_day;
      record["closes"] = std::move(closes);
      record["terminal"] = terminal;
      record["approved_by"] = approver;
      if (Status s = closures::add(ctx.db, {level.kind, no, g.period, seq}); !s) return s;
      if (Status s = closures::close(ctx.db, seqs, seq); !s) return s;
      entries.push_back({"period_closed", record});
      record["seq"] = seq;
      made.push_back(std::move(record));
    }
  }
  return made;
}

Outcome require_day_closed(WriteContext& ctx) {
  auto st = ctx.db.cached(
      "SELECT MIN(day) FROM ("
      " SELECT business_day AS day FROM sale WHERE period = (SELECT value FROM counter WHERE name = 'period')"
      " UNION ALL SELECT j.business_day FROM sale_return r JOIN journal j ON j.seq = r.seq"
      "  WHERE r.period = (SELECT value FROM counter WHERE name = 'period'))"
      " WHERE day < ?1");
  if (!st) return Outcome::from(st.status());
  (*st)->bind(1, ctx.business_day);
  auto row = (*st)->step();
  if (!row) return Outcome::from(row.status());
  if (*row && !(*st)->is_null(0)) {
    const std::string open_day = (*st)->text(0);
    return Outcome::error(Why::conflict, "z_required", "the business day " + open_day + " is not closed: take its Z before the first sale or return of " +
                                                      ctx.business_day);
  }
  return Outcome::success(nlohmann::json::object());
}

}  // namespace posd
