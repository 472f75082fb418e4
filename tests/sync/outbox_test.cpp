#include <catch2/catch.hpp>

#include "sync/outbox.h"
#include "tests/support/temp_dir.h"

using namespace posd;

TEST_CASE("the outbox holds what HQ has not acknowledged", "[outbox]") {
  test::TempDir dir;
  const std::string path = dir.file("s.db");
  auto j = Journal::open({.db_path = path, .store_id = "S1"});
  REQUIRE(j);
  for (int i = 0; i < 9; ++i) REQUIRE((*j)->append(Entry{"sale", {{"i", i}}}));
  auto db = sql::Db::open(path);
  sync::Outbox outbox(*db);

  CHECK(*outbox.acked_seq() == 0);
  auto batch = outbox.next_batch(4);
  REQUIRE(batch->size() == 4);
  CHECK(batch->front().seq == 1);

  REQUIRE((*j)->write(sync::Outbox::ack(6)));
  CHECK(*outbox.acked_seq() == 6);
  batch = outbox.next_batch(100);
  REQUIRE(batch->size() == 4);
  CHECK(batch->front().seq == 7);
  CHECK(batch->back().seq == 10);

  SECTION("a late, smaller ack changes nothing") {
    REQUIRE((*j)->write(sync::Outbox::ack(3)));
    CHECK(*outbox.acked_seq() == 6);
  }
  SECTION("an ack beyond the journal's head is refused") {
    auto r = (*j)->write(sync::Outbox::ack(11));
    CHECK(r.status().code() == Status::Code::invalid_argument);
    CHECK(*outbox.acked_seq() == 6);
  }
}
