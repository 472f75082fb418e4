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

// The journal's own check at open: with the store key, using and leaving the mark.
Status check(sql::Db& db, const StoreKey& key) {
  return check_state(db, static_cast<uint64_t>(db.query_int("SELECT MAX(seq) FROM journal")->value_or(0)), &key);
}

}  // namespace

TEST_CASE("the state check keeps the grand total it found, and the next check sums only the events since", "[state]") {
  test::TempDir dir;
  auto j = Journal::open({.db_path = dir.file("s.db"), .store_id = "S1"});
  REQUIRE(j);
  sell(**j, 3, 250);
  auto db = sql::Db::open(dir.file("s.db"));
  REQUIRE(db);
  auto key = StoreKey::load_or_create(dir.file("s.db.key"), dir.file("s.db.pub"));
  REQUIRE(key);
  auto check = [&](sql::Db& d) { return ::check(d, *key); };
  auto mark = [&] { return json::parse(**store_settings::get(*db, "state_checked")); };
  REQUIRE(check(*db));
  CHECK(mark()["seq"] == 4);
  CHECK(mark()["grand_total"] == 750);
  // One more event, checked (the mark moves to seq 5), then the journal closed
  // so that its rows can be edited behind its back.
  auto mark_at_5_and_close = [&] {
    REQUIRE((*j)->append(Entry{"note", {{"n", 1}}}));
    REQUIRE(check(*db));
    REQUIRE(mark()["seq"] == 5);
    (*j)->close();
  };
  {
    auto st = db->prepare("SELECT hash FROM journal WHERE seq = 4");
    REQUIRE(st);
    REQUIRE(*st->step());
    CHECK(mark()["hash"] == st->text(0));
  }

  SECTION("sales after the mark are summed from it") {
    sell(**j, 2, 100);
    REQUIRE(check(*db));
    CHECK(mark()["seq"] == 6);
    CHECK(mark()["grand_total"] == 950);
  }
  SECTION("a grand total moved behind the journal's back is still found") {
    REQUIRE(db->exec("UPDATE counter SET value = value + 1 WHERE name = 'grand_total'"));
    CHECK_THAT(check(*db).message(), Catch::Contains("the grand total is 751, but the journal makes it 750"));
  }
  SECTION("a journal cut behind the mark is a disagreement, though every counter matches") {
    mark_at_5_and_close();
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
    CHECK(mark()["grand_total"] == 1005);
  }
  SECTION("a counter and a mark moved together are found: the mark is not the key's, so the sum starts from the last Z") {
    REQUIRE(db->exec("UPDATE counter SET value = value - 500 WHERE name = 'grand_total'"));
    json forged = mark();
    forged["grand_total"] = 250;
    REQUIRE(store_settings::put(*db, "state_checked", forged.dump()));
    CHECK_THAT(check(*db).message(), Catch::Contains("the grand total is 250, but the journal makes it 750"));
  }
  SECTION("an unreadable mark is passed over, and the whole sum still holds") {
    REQUIRE(store_settings::put(*db, "state_checked", "{\"seq\": -1}"));
    REQUIRE(check(*db));
    CHECK(mark()["seq"] == 4);  // a good one takes its place
    REQUIRE(db->exec("UPDATE counter SET value = value + 1 WHERE name = 'grand_total'"));
    CHECK_THAT(check(*db).message(), Catch::Contains("the grand total is 751"));
  }
  SECTION("a journal regrown with other events under the mark's seq is found") {
    mark_at_5_and_close();
    REQUIRE(db->exec("DROP TRIGGER IF EXISTS journal_no_update; UPDATE journal SET hash = replace(hash, substr(hash, 1, 1), "
                     "CASE substr(hash, 1, 1) WHEN 'a' THEN 'b' ELSE 'a' END) WHERE seq = 5"));
    CHECK_THAT(check(*db).message(), Catch::Contains("the event at seq 5 is not the one the state was last checked against"));
  }
  SECTION("without the key (a tool's full check) no mark is used or left") {
    REQUIRE(db->exec("DELETE FROM store_setting WHERE name = 'state_checked'"));
    REQUIRE(check_state(*db, 4));
    CHECK_FALSE(*store_settings::get(*db, "state_checked"));
  }
}

TEST_CASE("the journal's check at open leaves its mark with the checkpoint, and the next open uses it", "[state]") {
  test::TempDir dir;
  const std::string path = dir.file("s.db");
  auto open = [&] { return Journal::open({.db_path = path, .store_id = "S1", .check_state = check_state}); };
  {
    auto j = open();
    REQUIRE(j);
    sell(**j, 3, 250);
  }
  {
    auto j = open();
    REQUIRE(j);
    CHECK((*j)->halted());  // whole: signing
    auto db = sql::Db::open(path, sql::Db::Mode::read_only);
    auto mark = store_settings::get(*db, "state_checked");
    REQUIRE(mark);
    REQUIRE(*mark);
    CHECK(json::parse(**mark)["seq"] == 4);
    CHECK(json::parse(**mark)["grand_total"] == 750);
    sell(**j, 1, 50);
  }
  {
    auto db = sql::Db::open(path);
    REQUIRE(db->exec("UPDATE counter SET value = value + 7 WHERE name = 'grand_total'"));
  }
  auto j = open();
  REQUIRE(j);
  Status s = (*j)->halted();
  CHECK(s.code() == Status::Code::halted);
  CHECK_THAT(s.message(), Catch::Contains("the grand total is 807, but the journal makes it 800"));
}
