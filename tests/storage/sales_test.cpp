// A sale's row and its body: the body is its journal event's payload, read
// from the journal; a row written with its own body (before) still reads it;
// a row whose event is gone or is another's is an error, not skipped.
#include <catch2/catch.hpp>

#include "storage/journal.h"
#include "storage/sales.h"
#include "tests/support/temp_dir.h"

using namespace posd;

namespace {

nlohmann::json sale_body(int64_t receipt_no, int64_t total) {
  return {{"receipt_no", receipt_no}, {"terminal", "lane-1"}, {"total", total},
          {"lines", {{{"sku", "MILK"}, {"qty", 1}, {"total", total}}}}, {"tenders", {{{"type", "cash"}, {"amount", total}}}}};
}

// A sale written as the complete writes it: its row and its event, one write.
void sell(Journal& j, int64_t receipt_no, int64_t total) {
  auto r = j.write([&](WriteContext& ctx) -> Result<std::vector<Entry>> {
    const nlohmann::json body = sale_body(receipt_no, total);
    if (Status s = sales::insert(ctx.db, {receipt_no, ctx.next_seq, 1, ctx.business_day, "lane-1", total, "completed", body});
        !s) {
      return s;
    }
    return std::vector<Entry>{{"sale", body}};
  });
  REQUIRE(r);
}

}  // namespace

TEST_CASE("a sale's body is read from its journal event, the row keeps none, an older row's own body still reads, and a sale whose event is gone is an error", "[sales]") {
  test::TempDir dir;
  auto j = Journal::open({.db_path = dir.file("s.db"), .store_id = "S1"});
  REQUIRE(j);
  sell(**j, 1, 119);
  sell(**j, 2, 250);
  auto db = sql::Db::open(dir.file("s.db"));
  REQUIRE(db);
  // The row holds no copy of what its event holds.
  CHECK(db->query_int("SELECT COUNT(*) FROM sale WHERE body = ''")->value_or(-1) == 2);

  auto first = sales::get(*db, 1);
  REQUIRE(first);
  REQUIRE(first->has_value());
  CHECK((*first)->body == sale_body(1, 119));
  CHECK((*first)->total == 119);
  CHECK((*first)->status == "completed");

  // A row written with its body, as posd wrote them before: read as it is.
  const nlohmann::json older = sale_body(3, 99);
  REQUIRE(db->exec("INSERT INTO sale(receipt_no, seq, period, business_day, terminal, total, status, body) "
                   "SELECT 3, seq, 1, business_day, 'lane-1', 99, 'completed', '" + older.dump() + "' FROM journal "
                   "WHERE seq = (SELECT seq FROM sale WHERE receipt_no = 2)"));
  auto third = sales::get(*db, 3);
  REQUIRE(third);
  REQUIRE(third->has_value());
  CHECK((*third)->body == older);

  std::vector<int64_t> totals;
  std::vector<nlohmann::json> bodies;
  REQUIRE(sales::each_in_period(*db, 1, [&](sales::SaleRow&& row) {
    totals.push_back(row.total);
    bodies.push_back(std::move(row.body));
    return Status::ok();
  }));
  CHECK(totals == std::vector<int64_t>{119, 250, 99});
  CHECK(bodies == std::vector<nlohmann::json>{sale_body(1, 119), sale_body(2, 250), older});

  // A sale whose event is gone, or is not this sale's: both readers say so
  // (the journal was changed behind posd's back), neither skips it.
  CHECK(sales::get(*db, 4)->has_value() == false);
  REQUIRE(db->exec("INSERT INTO sale(receipt_no, seq, period, business_day, terminal, total, status, body) "
                   "VALUES (4, 999, 1, '2026-12-05', 'lane-1', 1, 'completed', '')"));
  auto gone = sales::get(*db, 4);
  REQUIRE_FALSE(gone);
  CHECK(gone.status().code() == Status::Code::corruption);
  CHECK_THAT(gone.status().message(), Catch::Contains("sale 4: its event at seq 999 is not in the journal"));
  REQUIRE(db->exec("UPDATE sale SET seq = (SELECT seq FROM sale WHERE receipt_no = 1) WHERE receipt_no = 4"));
  auto another = sales::get(*db, 4);  // the event there is receipt 1's
  REQUIRE_FALSE(another);
  CHECK(another.status().code() == Status::Code::corruption);
  int handed = 0;
  Status period = sales::each_in_period(*db, 1, [&](sales::SaleRow&&) {
    ++handed;
    return Status::ok();
  });
  CHECK(period.code() == Status::Code::corruption);
  CHECK(handed == 3);  // the three before it, in receipt order
}
