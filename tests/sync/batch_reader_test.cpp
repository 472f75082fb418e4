// The store's next batch for HQ, read beside the event loop (sync/batch_reader.h):
// the same bytes the loop used to read and encode itself, its answer on the
// loop's thread, a changed row refused by seq.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "storage/journal.h"
#include "sync/batch_reader.h"
#include "sync/outbox.h"
#include "sync/protocol.h"
#include "tests/support/temp_dir.h"

using namespace posd;

namespace {

struct Answer {
  int calls = 0;
  std::thread::id on;
  Result<sync::BatchReader::Batch> batch = Status::unavailable("no answer");
};

// Asks for one batch and runs the loop until its answer has come. The
// answer is shared with the callback, so that one that comes late (after a
// failed wait) writes into nothing freed.
Answer read_one(boost::asio::io_context& io, sync::BatchReader& r, uint64_t first, size_t limit, size_t max_bytes) {
  auto a = std::make_shared<Answer>();
  REQUIRE(r.read(first, limit, max_bytes, [a](Result<sync::BatchReader::Batch> b) {
    ++a->calls;
    a->on = std::this_thread::get_id();
    a->batch = std::move(b);
  }));
  io.restart();
  // The answer is the only handler posted; bounded, so that an answer never
  // posted (or given on the reader's own thread) fails here, not hangs.
  auto work = boost::asio::make_work_guard(io);
  REQUIRE(io.run_one_for(std::chrono::seconds(30)) == 1);
  return *a;
}

}  // namespace

TEST_CASE("a batch read beside the loop is the batch the loop would have encoded, answered on the loop's thread",
          "[outbox]") {
  test::TempDir dir;
  auto j = Journal::open({.db_path = dir.file("s.db"), .store_id = "S1"});
  REQUIRE(j);
  for (int i = 1; i <= 5; ++i) REQUIRE((*j)->append(Entry{"sale", {{"receipt_no", i}, {"total", 100 * i}}}));
  auto db = sql::Db::open((*j)->db_path(), sql::Db::Mode::read_only);
  sync::Outbox outbox(*db);
  boost::asio::io_context io;
  auto reader = sync::BatchReader::open(io, (*j)->db_path(), "S1");
  REQUIRE(reader);

  Answer all = read_one(io, **reader, 2, 10, SIZE_MAX);
  CHECK(all.calls == 1);
  CHECK(all.on == std::this_thread::get_id());
  REQUIRE(all.batch);
  CHECK(all.batch->first == 2);
  CHECK(all.batch->last == 6);
  CHECK(all.batch->events == 5);
  CHECK(all.batch->payload == sync::encode_journal("S1", *outbox.read_stored(2, 10)));

  Answer limited = read_one(io, **reader, 3, 2, SIZE_MAX);
  REQUIRE(limited.batch);
  CHECK(limited.batch->last == 4);
  CHECK(limited.batch->payload == sync::encode_journal("S1", *outbox.read_stored(3, 2)));

  Answer one = read_one(io, **reader, 1, 10, 1);  // the bytes' bound passed after the first event
  REQUIRE(one.batch);
  CHECK(one.batch->events == 1);
  CHECK(one.batch->last == 1);

  Answer none = read_one(io, **reader, 7, 10, SIZE_MAX);
  REQUIRE(none.batch);
  CHECK(none.batch->events == 0);
  CHECK(none.batch->last == 0);
  CHECK(none.batch->payload.empty());

  SECTION("a row changed behind the journal's back is refused by seq, never encoded") {
    auto rw = sql::Db::open((*j)->db_path());
    REQUIRE(rw->exec("DROP TRIGGER IF EXISTS journal_no_update; "
                     "UPDATE journal SET payload = replace(payload, '300', '301') WHERE seq = 4"));
    Answer refused = read_one(io, **reader, 1, 10, SIZE_MAX);
    REQUIRE_FALSE(refused.batch);
    CHECK(refused.batch.status().code() == Status::Code::corruption);
    CHECK(refused.batch.status().message() == "seq 4: hash mismatch (the row was changed)");
  }
  SECTION("a reader closed with a read asked for still answers it, once") {
    int calls = 0;
    bool whole = false;
    REQUIRE((*reader)->read(1, 10, SIZE_MAX, [&](Result<sync::BatchReader::Batch> b) {
      ++calls;
      whole = b && b->events == 6;
    }));
    reader->reset();
    io.restart();
    io.run();
    CHECK(calls == 1);
    CHECK(whole);
  }
}
