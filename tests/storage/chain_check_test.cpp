// posd checks its own chain when it opens the journal, and signs nothing on
// a broken one: a changed row, a removed row, a cut tail, a journal behind
// what HQ acknowledged. The open still succeeds, so the store can say why.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "storage/chain_check.h"
#include "storage/journal.h"
#include "storage/schema.h"
#include "tests/support/temp_dir.h"

using namespace posd;

namespace {

struct Store {
  test::TempDir dir;
  std::string path = dir.file("s.db");

  // 35 events: the genesis and 34 sales, written and closed cleanly (which
  // leaves a checkpoint at 35).
  Store() {
    auto j = Journal::open({.db_path = path, .store_id = "S1"});
    REQUIRE(j);
    for (int i = 1; i <= 34; ++i) REQUIRE((*j)->append(Entry{"sale", {{"receipt_no", i}, {"total", 100 * i}}}));
  }
  void behind_the_back(const std::string& sql) {
    auto db = sql::Db::open(path);
    REQUIRE(db->exec("DROP TRIGGER IF EXISTS journal_no_update; DROP TRIGGER IF EXISTS journal_no_delete;"
                     "DROP TRIGGER IF EXISTS journal_gap_free;"));
    REQUIRE(db->exec(sql));
  }
  std::unique_ptr<Journal> open() {
    auto j = Journal::open({.db_path = path, .store_id = "S1"});
    REQUIRE(j);
    return std::move(*j);
  }
};

// Waits for the check of the part below the checkpoint, which runs beside
// the writer after open (no time limit is asserted: only the outcome).
void wait_below(const Journal& j) {
  for (int i = 0; i < 2000 && j.halted() && !j.check_figures().below_checked; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string refused(Journal& j) {
  auto r = j.append(Entry{"sale", {{"receipt_no", 99}, {"total", 1}}});
  REQUIRE_FALSE(r);
  CHECK(r.status().code() == Status::Code::halted);
  return r.status().message();
}

}  // namespace

TEST_CASE("a whole journal opens from its checkpoint, and the part below is checked beside the writer", "[chain]") {
  Store s;
  auto j = s.open();
  CHECK(j->halted());
  CHECK(j->check_figures().from_seq == 35);
  CHECK(j->check_figures().events == 0);
  wait_below(*j);
  CHECK(j->check_figures().below_checked);
  REQUIRE(j->append(Entry{"sale", {{"receipt_no", 35}, {"total", 1}}}));
  CHECK(j->last_seq() == 36);
}

TEST_CASE("a changed row below the checkpoint stops signing once the check beside the writer reaches it", "[chain]") {
  Store s;
  s.behind_the_back("UPDATE journal SET payload = '{\"receipt_no\":10,\"total\":1}' WHERE seq = 11");
  auto j = s.open();
  wait_below(*j);
  CHECK(j->halted().message() == "signing stopped: seq 11: hash mismatch");
  CHECK(refused(*j) == "signing stopped: seq 11: hash mismatch");
  CHECK(j->last_seq() == 35);
  // The next start does not begin after the break it found: it checks the
  // whole chain before it signs anything.
  j.reset();
  auto again = s.open();
  CHECK(again->check_figures().from_seq == 0);
  CHECK(again->halted().message() == "signing stopped: seq 11: hash mismatch");
}

TEST_CASE("a checkpoint the key did not sign is a changed mark", "[chain]") {
  Store s;
  s.behind_the_back("DELETE FROM journal WHERE seq > 30; UPDATE journal_mark SET seq = 30, hash = "
                    "(SELECT hash FROM journal WHERE seq = 30) WHERE name IN ('checkpoint', 'head')");
  auto j = s.open();
  CHECK(j->halted().message() ==
        "signing stopped: the checkpoint beside the journal (seq 30) is not signed by the store key: the journal's marks were changed");
}

TEST_CASE("without a checkpoint the whole chain is checked at open", "[chain]") {
  Store s;
  s.behind_the_back("UPDATE journal SET payload = '{\"receipt_no\":10,\"total\":1}' WHERE seq = 11");
  s.behind_the_back("DELETE FROM journal_mark WHERE name = 'checkpoint'");
  auto j = s.open();
  CHECK(j->halted().message() == "signing stopped: seq 11: hash mismatch");
  CHECK(j->check_figures().below_checked == false);
  CHECK(refused(*j) == "signing stopped: seq 11: hash mismatch");
}

TEST_CASE("a removed row is found at open, wherever it was", "[chain]") {
  Store s;
  s.behind_the_back("DELETE FROM journal WHERE seq = 19");
  auto j = s.open();
  CHECK(j->halted().message() == "signing stopped: seq 20: gap: expected seq 19");
  CHECK(refused(*j) == "signing stopped: seq 20: gap: expected seq 19");
}

TEST_CASE("a cut tail is found against the marks: what posd verified, wrote, and HQ acknowledged", "[chain]") {
  Store s;
  {
    auto db = sql::Db::open(s.path);
    REQUIRE(record_mark(*db, "hq_ack", 33, "placeholder"));
    // The real hash of 33, as the store records it on HQ's ack.
    REQUIRE(db->exec("UPDATE journal_mark SET hash = (SELECT hash FROM journal WHERE seq = 33) WHERE name = 'hq_ack'"));
  }
  s.behind_the_back("DELETE FROM journal WHERE seq > 30");
  std::string who;
  SECTION("the checkpoint") { who = "posd verified up to seq 35"; }
  SECTION("the head the writer recorded") {
    s.behind_the_back("DELETE FROM journal_mark WHERE name = 'checkpoint'");
    who = "posd wrote up to seq 35";
  }
  SECTION("HQ's ack, when the marks of posd's own were removed too") {
    s.behind_the_back("DELETE FROM journal_mark WHERE name IN ('checkpoint', 'head')");
    who = "HQ acknowledged holding up to seq 33";
  }
  auto j = s.open();
  CHECK_THAT(j->halted().message(), Catch::StartsWith("signing stopped: the journal ends at seq 30, but " + who));
  CHECK_THAT(j->halted().message(), Catch::EndsWith("events were removed from its end"));
  CHECK(j->last_seq() == 30);
  refused(*j);
}

TEST_CASE("a mark is one row a name: recorded again, it moves, and another name is a row of its own", "[chain]") {
  test::TempDir dir;
  auto db = sql::Db::open(dir.file("marks.db"));
  REQUIRE(db);
  REQUIRE(schema::migrate(*db));
  auto mark = [&](const char* name) {
    auto st = db->prepare("SELECT seq, hash FROM journal_mark WHERE name = ?1");
    REQUIRE(st);
    st->bind(1, std::string_view(name));
    auto row = st->step();
    REQUIRE(row);
    return *row ? std::to_string(st->int64(0)) + " " + st->text(1) : std::string("none");
  };
  CHECK(mark("hq_ack") == "none");
  REQUIRE(record_mark(*db, "hq_ack", 7, std::string(64, 'a')));
  REQUIRE(record_mark(*db, "hq_ack", 9, std::string(64, 'b')));
  CHECK(mark("hq_ack") == "9 " + std::string(64, 'b'));
  REQUIRE(record_mark(*db, "head", 12, std::string(64, 'c')));
  CHECK(mark("head") == "12 " + std::string(64, 'c'));
  CHECK(mark("hq_ack") == "9 " + std::string(64, 'b'));
  CHECK(db->query_int("SELECT COUNT(*) FROM journal_mark")->value_or(0) == 2);
  // A name the table refuses changes nothing.
  CHECK_FALSE(record_mark(*db, "tail", 1, std::string(64, 'd')));
  CHECK(db->query_int("SELECT COUNT(*) FROM journal_mark")->value_or(0) == 2);
}

TEST_CASE("a rewritten tail re-signed with the key is still not the event HQ acknowledged", "[chain]") {
  Store s;
  {
    auto db = sql::Db::open(s.path);
    REQUIRE(record_mark(*db, "hq_ack", 33, std::string(64, 'a')));
  }
  auto j = s.open();
  CHECK_THAT(j->halted().message(), Catch::StartsWith("signing stopped: seq 33: not the event HQ acknowledged holding (at "));
}

TEST_CASE("the state check runs at open and stops signing when the state is ahead of the journal", "[chain]") {
  Store s;
  Journal::Options o{.db_path = s.path, .store_id = "S1"};
  uint64_t seen = 0;
  o.check_state = [&](sql::Db&, uint64_t head, const StoreKey*) {
    seen = head;
    return Status::corruption("the state says so");
  };
  auto j = Journal::open(o);
  REQUIRE(j);
  CHECK(seen == 35);
  CHECK((*j)->halted().message() == "signing stopped: the state says so");
}

namespace {

// The checkpoint beside the journal as another connection reads it (0: none).
int64_t checkpoint_seq(const std::string& path) {
  auto db = sql::Db::open(path, sql::Db::Mode::read_only);
  REQUIRE(db);
  auto seq = db->query_int("SELECT seq FROM journal_mark WHERE name = 'checkpoint'");
  REQUIRE(seq);
  return seq->value_or(0);
}

template <typename Pred>
bool soon(Pred pred) {
  for (int i = 0; i < 3000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

}  // namespace

TEST_CASE("every checkpoint_every events the chain is checked beside the writer: appends go on meanwhile, the checkpoint moves after",
          "[chain]") {
  test::TempDir dir;
  const std::string path = dir.file("s.db");
  std::mutex mu;
  std::condition_variable cv;
  bool holding = false;
  bool released = false;
  Journal::Options o{.db_path = path, .store_id = "S1"};
  o.checkpoint_every = 20;
  o.before_check = [&] {
    std::unique_lock lock(mu);
    holding = true;
    cv.notify_all();
    cv.wait(lock, [&] { return released; });
  };
  auto release = [&] {
    {
      std::lock_guard lock(mu);
      released = true;
    }
    cv.notify_all();
  };
  auto j = Journal::open(o);
  REQUIRE(j);
  // Whatever fails below, the held check is let go before the journal closes
  // (declared after it: destroyed first).
  std::unique_ptr<void, std::function<void(void*)>> let_go(&mu, [&](void*) { release(); });
  for (int i = 1; i <= 19; ++i) REQUIRE((*j)->append(Entry{"sale", {{"receipt_no", i}, {"total", 100 * i}}}));
  REQUIRE((*j)->last_seq() == 20);
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return holding; }));
  }
  // The check is held: the writer must not be waiting for it. (Waited for
  // with a bound, so that a writer held by the check fails here, not hangs.)
  for (int i = 20; i <= 29; ++i) {
    auto done = std::make_shared<std::promise<bool>>();
    auto answered = done->get_future();
    (*j)->append(Entry{"sale", {{"receipt_no", i}, {"total", 100 * i}}},
                 [done](Result<Appended> r) { done->set_value(r.is_ok()); });
    REQUIRE(answered.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    REQUIRE(answered.get());
  }
  CHECK((*j)->last_seq() == 30);
  CHECK(checkpoint_seq(path) == 0);
  release();
  // It checks the snapshot it opens after the hold: up to seq 30.
  CHECK(soon([&] { return checkpoint_seq(path) == 30; }));
  CHECK((*j)->check_figures().verified_seq == 30);
  CHECK((*j)->check_figures().events == 30);
  CHECK((*j)->halted());
  auto db = sql::Db::open(path, sql::Db::Mode::read_only);
  REQUIRE(db);
  auto at = event_hash(*db, 30);
  REQUIRE(at);
  CHECK(db->query_int("SELECT COUNT(*) FROM journal_mark WHERE name = 'checkpoint' AND hash = '" + at->value() + "'")
            ->value_or(0) == 1);
  // The next open starts from it.
  j->reset();
  Journal::Options again{.db_path = path, .store_id = "S1"};
  auto reopened = Journal::open(again);
  REQUIRE(reopened);
  CHECK((*reopened)->check_figures().from_seq == 30);
}

TEST_CASE("a row changed behind the running writer's back is found by the next check beside it, and signing stops",
          "[chain]") {
  test::TempDir dir;
  const std::string path = dir.file("s.db");
  Journal::Options o{.db_path = path, .store_id = "S1"};
  o.checkpoint_every = 20;
  auto j = Journal::open(o);
  REQUIRE(j);
  for (int i = 1; i <= 9; ++i) REQUIRE((*j)->append(Entry{"sale", {{"receipt_no", i}, {"total", 100 * i}}}));
  {
    auto db = sql::Db::open(path);
    REQUIRE(db->exec("DROP TRIGGER IF EXISTS journal_no_update"));
    REQUIRE(db->exec("UPDATE journal SET payload = '{\"receipt_no\":4,\"total\":1}' WHERE seq = 5"));
  }
  // The writer signs on until the check it asks for at seq 20 has run.
  for (int i = 10; i <= 19; ++i) REQUIRE((*j)->append(Entry{"sale", {{"receipt_no", i}, {"total", 100 * i}}}));
  CHECK(soon([&] { return !(*j)->halted(); }));
  CHECK((*j)->halted().message() == "signing stopped: seq 5: hash mismatch");
  CHECK(refused(**j) == "signing stopped: seq 5: hash mismatch");
  CHECK(checkpoint_seq(path) == 0);
}
