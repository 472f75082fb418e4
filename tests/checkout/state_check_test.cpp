// The state check at start (checkout/state_check.h) on a real journal: the
// counters and the grand total against the journal's events, from the last Z
// or the mark the check before left.
#include <catch2/catch.hpp>

#include "checkout/state_check.h"
#include "storage/journal.h"
#include "storage/sales.h"
#include "storage/store_tables.h"
#include "tests/support/temp_dir.h"

using namespace posd;
using json = nlohmann::json;

namespace {

// Sales of `total` each, moving the counters as a real sale does.
void sell(Journal& j, int n, int64_t total) {
  for (int i = 0; i < n; ++i) {
    REQUIRE(j.write([&](WriteContext& ctx) -> Result<std::vector<Entry>> {
      auto no = counter::add(ctx.db, "receipt_no");
      if (!no) return no.status();
      if (auto t = counter::add(ctx.db, "grand_total", total); !t) return t.status();
      return std::vector<Entry>{{"sale", {{"receipt_no", *no}, {"total", total}}}};
    }));
  }
}

Status check(sql::Db& db) {
  return check_state(db, static_cast<uint64_t>(db.query_int("SELECT MAX(seq) FROM journal")->value_or(0)));
}

}  // namespace

TEST_CASE("the state check keeps the grand total it found, and the next check sums only the events since", "[state]") {
  test::TempDir dir;
  auto j = Journal::open({.db_path = dir.file("s.db"), .store_id = "S1"});
  REQUIRE(j);
  sell(**j, 3, 250);
  auto db = sql::Db::open(dir.file("s.db"));
  REQUIRE(db);
  REQUIRE(check(*db));
  auto mark = store_settings::get(*db, "state_checked");
  REQUIRE(mark);
  REQUIRE(*mark);
  CHECK(json::parse(**mark) == json{{"seq", 4}, {"grand_total", 750}});

  SECTION("sales after the mark are summed from it") {
    sell(**j, 2, 100);
    REQUIRE(check(*db));
    CHECK(json::parse(**store_settings::get(*db, "state_checked")) == json{{"seq", 6}, {"grand_total", 950}});
  }
  SECTION("a grand total moved behind the journal's back is still found") {
    REQUIRE(db->exec("UPDATE counter SET value = value + 1 WHERE name = 'grand_total'"));
    CHECK_THAT(check(*db).message(), Catch::Contains("the grand total is 751, but the journal makes it 750"));
  }
  SECTION("a journal cut behind the mark is a disagreement, though every counter matches") {
    REQUIRE((*j)->append(Entry{"note", {{"n", 1}}}));
    REQUIRE(check(*db));  // the mark is now at seq 5
    (*j)->close();
    REQUIRE(db->exec("DROP TRIGGER IF EXISTS journal_no_delete; DELETE FROM journal WHERE seq = 5"));
    Status s = check(*db);
    CHECK(s.code() == Status::Code::corruption);
    CHECK_THAT(s.message(), Catch::Contains("the state was checked at seq 5, after the journal's last event (seq 4)"));
  }
  SECTION("a Z after the mark is where the sum starts") {
    REQUIRE((*j)->append(Entry{"z_report", {{"z_no", 1}, {"grand_total", 1000}}}));
    REQUIRE(db->exec("UPDATE counter SET value = 1000 WHERE name = 'grand_total'"));
    REQUIRE(db->exec("UPDATE counter SET value = 1 WHERE name = 'z_no'"));
    sell(**j, 1, 5);
    Status s = check(*db);
    INFO(s.message());
    CHECK(s);
    CHECK(json::parse(**store_settings::get(*db, "state_checked"))["grand_total"] == 1005);
  }
  SECTION("an unreadable mark is refused, not trusted") {
    REQUIRE(store_settings::put(*db, "state_checked", "{\"seq\": -1}"));
    CHECK_THAT(check(*db).message(), Catch::Contains("the mark of the last state check is not readable"));
  }
}
