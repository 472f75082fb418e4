// Stock moves: what was on hand before and after, a SKU never moved, and a
// move past what an integer holds refused with nothing changed.
#include <catch2/catch.hpp>

#include <limits>

#include "storage/schema.h"
#include "storage/stock.h"
#include "tests/support/temp_dir.h"

using namespace posd;

TEST_CASE("a stock move gives the on-hand before and after it, and one past int64 changes nothing", "[stock]") {
  test::TempDir dir;
  auto db = sql::Db::open(dir.file("a.db"));
  REQUIRE(schema::migrate(*db));
  auto movements = [&] { return db->query_int("SELECT COUNT(*) FROM stock_movement")->value_or(-1); };

  auto first = stock::move(*db, "MILK", -3, 7, "sale");  // never moved before: from 0
  REQUIRE(first);
  CHECK(first->before == 0);
  CHECK(first->after == -3);
  auto second = stock::move(*db, "MILK", 10, 8, "receive");
  REQUIRE(second);
  CHECK(second->before == -3);
  CHECK(second->after == 7);
  CHECK(*stock::on_hand(*db, "MILK") == 7);
  CHECK(movements() == 2);

  const int64_t max = std::numeric_limits<int64_t>::max();
  REQUIRE(stock::move(*db, "SALT", max, 9, "count"));
  auto past = stock::move(*db, "SALT", 1, 10, "receive");
  CHECK_FALSE(past);
  CHECK(*stock::on_hand(*db, "SALT") == max);
  CHECK(movements() == 3);
  auto counted = stock::count(*db, "MILK", 2, 11);
  REQUIRE(counted);
  CHECK(counted->before == 7);
  CHECK(counted->after == 2);
}
