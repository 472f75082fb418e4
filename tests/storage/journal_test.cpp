#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "storage/cursor.h"
#include "storage/journal.h"
#include "storage/journal_export.h"
#include "tests/support/temp_dir.h"

using namespace posd;

namespace {

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1795000000));
  }
};

std::unique_ptr<Journal> open_journal(const std::string& path, const std::string& store = "S1") {
  auto j = Journal::open({.db_path = path, .store_id = store});
  REQUIRE(j);
  return std::move(*j);
}

// A mutation that records a note in a state table and journals it.
Mutation note(int n) {
  return [n](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (Status s = ctx.db.exec("CREATE TABLE IF NOT EXISTS note(n INTEGER PRIMARY KEY)"); !s) return s;
    if (Status s = ctx.db.exec("INSERT INTO note VALUES (" + std::to_string(n) + ")"); !s) return s;
    return std::vector<Entry>{{"note", {{"n", n}}}};
  };
}

// Holds the writer in a write of note 0 until the promise returned is set:
// whatever is submitted meanwhile queues up for the batches after it.
std::promise<void> hold_writer(Journal& j) {
  std::promise<void> release;
  auto holding = std::make_shared<std::promise<void>>();
  auto running = holding->get_future();
  j.submit([released = release.get_future().share(), holding](WriteContext& ctx) -> Result<std::vector<Entry>> {
             holding->set_value();
             released.wait();
             return note(0)(ctx);
           },
           [](Result<Appended>) {});
  running.wait();
  return release;
}

// The size of each transaction the writer commits (Options::on_commit).
struct CommitSizes {
  std::mutex mu;
  std::vector<size_t> sizes;
  std::function<void(size_t, std::chrono::nanoseconds)> recorder() {
    return [this](size_t writes, std::chrono::nanoseconds) {
      std::lock_guard lock(mu);
      sizes.push_back(writes);
    };
  }
  void clear() {
    std::lock_guard lock(mu);
    sizes.clear();
  }
  std::vector<size_t> taken() {
    std::lock_guard lock(mu);
    return sizes;
  }
};

// A completion that hands the write's first seq (0 when it failed) to `p`.
Completion seq_into(std::promise<uint64_t>& p) {
  return [&p](Result<Appended> r) { p.set_value(r ? r->first_seq : 0); };
}

}  // namespace

TEST_CASE("a new journal starts with the store's genesis at seq 1", "[journal]") {
  test::TempDir dir;
  const std::string path = dir.file("s.db");
  FixedClock clock;
  auto j = Journal::open({.db_path = path, .store_id = "STORE-42", .clock = &clock});
  REQUIRE(j);
  CHECK((*j)->last_seq() == 1);
  auto r = (*j)->append(Entry{"note", {{"text", "hello"}}});
  REQUIRE(r);
  CHECK(r->first_seq == 2);
  CHECK(r->events[0].ts == "2026-11-18T11:06:40.000Z");
  CHECK(r->events[0].business_day == "2026-11-18");
  (*j)->close();

  auto db = sql::Db::open(path, sql::Db::Mode::read_only);
  std::vector<Event> events;
  REQUIRE(scan_journal(*db, 1, [&](const Event& e) { events.push_back(e); return Status::ok(); }));
  REQUIRE(events.size() == 2);
  CHECK(events[0].type == "genesis");
  CHECK(events[0].prev_hash == genesis_prev_hash());
  CHECK(events[0].payload["store_id"] == "STORE-42");
  CHECK(events[0].payload["public_key"] == (*j)->public_key().pem());
  CHECK(events[1].prev_hash == events[0].hash);
  CHECK(*verify_journal(*db, (*j)->public_key()) == 2);
}

TEST_CASE("journal rows can be neither updated, deleted nor inserted out of order", "[journal]") {
  test::TempDir dir;
  const std::string path = dir.file("s.db");
  open_journal(path)->append(Entry{"note", {{"n", 1}}});
  auto db = sql::Db::open(path);
  Status upd = db->exec("UPDATE journal SET payload = '{}' WHERE seq = 2");
  CHECK_THAT(upd.message(), Catch::Contains("append-only"));
  Status del = db->exec("DELETE FROM journal WHERE seq = 2");
  CHECK_THAT(del.message(), Catch::Contains("append-only"));
  Status gap = db->exec(
      "INSERT INTO journal VALUES (9, 't', 'd', 'x', '{}', 'p', 'h', 's')");
  CHECK_THAT(gap.message(), Catch::Contains("must follow"));
  CHECK(db->query_int("SELECT MAX(seq) FROM journal")->value() == 2);
}

TEST_CASE("a state change and its event commit together or not at all", "[journal]") {
  test::TempDir dir;
  const std::string path = dir.file("s.db");
  auto j = open_journal(path);
  REQUIRE(j->write(note(1)));
  // Fails after changing state: the insert must be rolled back with it.
  auto failing = j->write([](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (Status s = ctx.db.exec("INSERT INTO note VALUES (2)"); !s) return s;
    return Status::conflict("refused after the state change");
  });
  CHECK(failing.status().code() == Status::Code::conflict);
  // Throws: same.
  auto throwing = j->write([](WriteContext& ctx) -> Result<std::vector<Entry>> {
    (void)ctx.db.exec("INSERT INTO note VALUES (3)");
    throw std::runtime_error("boom");
  });
  CHECK_THAT(throwing.status().message(), Catch::Contains("boom"));
  // A float in the payload is refused, and its state change goes with it.
  auto floating = j->write([](WriteContext& ctx) -> Result<std::vector<Entry>> {
    (void)ctx.db.exec("INSERT INTO note VALUES (4)");
    return std::vector<Entry>{{"note", {{"price", 1.99}}}};
  });
  CHECK(floating.status().code() == Status::Code::invalid_argument);
  REQUIRE(j->write(note(5)));
  j->close();

  auto db = sql::Db::open(path);
  CHECK(db->query_int("SELECT group_concat(n) FROM note")->has_value());
  auto st = db->prepare("SELECT group_concat(n) FROM (SELECT n FROM note ORDER BY n)");
  REQUIRE(*st->step());
  CHECK(st->text(0) == "1,5");
  CHECK(*verify_journal(*db, j->public_key()) == 3);  // genesis, note 1, note 5
}

TEST_CASE("a mutation sees the seq its first event will get", "[journal]") {
  test::TempDir dir;
  auto j = open_journal(dir.file("s.db"));
  uint64_t seen = 0;
  auto r = j->write([&](WriteContext& ctx) -> Result<std::vector<Entry>> {
    seen = ctx.next_seq;
    return std::vector<Entry>{{"a", nlohmann::json::object()}, {"b", nlohmann::json::object()}};
  });
  REQUIRE(r);
  CHECK(seen == 2);
  CHECK(r->first_seq == 2);
  CHECK(r->last_seq == 3);
}

TEST_CASE("the writer's stall is the time since work arrived or a batch finished, and zero when idle", "[journal]") {
  // posd_journal_writer_stalled_seconds and the PosdWatchdogNear alert read this.
  test::TempDir dir;
  auto j = open_journal(dir.file("s.db"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // an idle writer is not stalled however long it waits
  CHECK(j->stalled() == std::chrono::steady_clock::duration::zero());
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> done;
  j->submit([released](WriteContext& ctx) -> Result<std::vector<Entry>> {
              released.wait();  // a batch that takes as long as the test wants (a stuck disk)
              return note(1)(ctx);
            },
            [&](Result<Appended>) { done.set_value(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  const auto stuck = j->stalled();
  CHECK(stuck >= std::chrono::milliseconds(200));
  CHECK(stuck < std::chrono::seconds(30));  // counted from the submit (not from the steady clock's epoch)
  release.set_value();
  done.get_future().wait();
  while (!j->idle()) std::this_thread::yield();
  CHECK(j->stalled() == std::chrono::steady_clock::duration::zero());
}

TEST_CASE("concurrent writers share commits and every seq is unique and gap-free", "[journal]") {
  test::TempDir dir;
  const std::string path = dir.file("s.db");
  auto j = open_journal(path);
  constexpr int kThreads = 16, kEach = 40;
  std::mutex mu;
  std::set<uint64_t> seqs;
  std::vector<std::thread> threads;
  const uint64_t batches_before = j->batches();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = j->write(note(t * 1000 + i));
        REQUIRE(r);
        std::lock_guard lock(mu);
        seqs.insert(r->first_seq);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(seqs.size() == kThreads * kEach);
  CHECK(*seqs.begin() == 2);
  CHECK(*seqs.rbegin() == 1 + kThreads * kEach);
  // Group commit: fewer transactions than writes.
  CHECK(j->batches() - batches_before < static_cast<uint64_t>(kThreads * kEach));
  j->close();
  auto db = sql::Db::open(path);
  CHECK(*verify_journal(*db, j->public_key()) == 1 + kThreads * kEach);
}

TEST_CASE("the WAL is copied back beside the writer, never inside one of its commits", "[journal]") {
  test::TempDir dir;
  const std::string path = dir.file("s.db");
  std::promise<void> release, holding;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> first{true};
  auto opened = Journal::open({.db_path = path, .store_id = "S1", .wal_checkpoint_pages = 100,
                               .before_wal_checkpoint = [&, released] {
                                 if (first.exchange(false)) holding.set_value();
                                 released.wait();  // a copy that takes as long as the test wants
                               }});
  REQUIRE(opened);
  auto& j = *opened;
  // Past 1,500 pages of WAL with the copy held: SQLite's own checkpoint, in
  // the commit that passes 1,000, would have started the WAL over before.
  const std::string filler(3000, 'x');
  int written = 0;
  auto wal_pages = [&] { return std::filesystem::file_size(path + "-wal") / 4096; };
  while (wal_pages() < 1500 && written < 5000) {
    std::vector<std::future<Result<Appended>>> done;
    for (int i = 0; i < 50; ++i, ++written) {
      auto p = std::make_shared<std::promise<Result<Appended>>>();
      done.push_back(p->get_future());
      j->append(Entry{"note", {{"n", written}, {"filler", filler}}}, [p](Result<Appended> r) { p->set_value(std::move(r)); });
    }
    for (auto& f : done) REQUIRE(f.get());
  }
  CHECK(wal_pages() >= 1500);
  REQUIRE(holding.get_future().wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  CHECK(j->wal_checkpoints() == 0);
  release.set_value();
  for (int i = 0; i < 6000 && j->wal_checkpoints() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(j->wal_checkpoints() >= 1);
  j->close();
  auto db = sql::Db::open(path);
  CHECK(*verify_journal(*db, j->public_key()) == 1 + static_cast<uint64_t>(written));
}

TEST_CASE("a lane's write goes before the writes queued behind, and one arriving while they apply cuts their batch", "[journal]") {
  test::TempDir dir;
  CommitSizes commits;
  const auto wait_behind = GENERATE(std::chrono::milliseconds(0), std::chrono::milliseconds(std::chrono::hours(1)));
  auto opened = Journal::open({.db_path = dir.file("s.db"), .store_id = "S1", .lanes_wait_behind = wait_behind,
                               .on_commit = commits.recorder()});
  REQUIRE(opened);
  auto& j = *opened;
  std::promise<void> release = hold_writer(*j);  // what follows queues up
  commits.clear();  // the genesis's
  std::map<std::string, std::promise<uint64_t>> seq;
  auto seq_of = [&](const std::string& name) { return seq_into(seq[name]); };
  // A catalog's entries queued behind; the first, as it applies, meets a
  // sale arriving (a lane's write queued while the batch runs).
  Completion during = seq_of("sale during");  // every promise made here, before the writer runs
  j->submit_behind([&j, during](WriteContext& ctx) -> Result<std::vector<Entry>> {
                     j->submit(note(100), during);
                     return note(1)(ctx);
                   },
                   seq_of("entry 1"));
  j->submit_behind(note(2), seq_of("entry 2"));
  j->submit(note(101), seq_of("sale before"));  // queued after them, before their batch
  j->submit_behind(note(3), seq_of("entry 3"));
  release.set_value();
  std::map<std::string, uint64_t> got;
  for (auto& [name, p] : seq) got[name] = p.get_future().get();
  // The sale queued before the batch first; entry 1 (the sale that came
  // while it applied cuts the batch there); then that sale, and the rest.
  CHECK(got == std::map<std::string, uint64_t>{
                   {"sale before", 3}, {"entry 1", 4}, {"sale during", 5}, {"entry 2", 6}, {"entry 3", 7}});
  j->close();
  if (wait_behind.count() == 0) {
    // The lanes' answers wait for no entry past the first: one a batch.
    CHECK(commits.taken() == std::vector<size_t>{1, 2, 2, 1});
  } else {
    CHECK(commits.taken() == std::vector<size_t>{1, 2, 3});  // the held write; sale before + entry 1; sale during + 2 + 3
  }
}

TEST_CASE("a lane's write arriving while a batch of writes queued behind applies commits them where they are", "[journal]") {
  test::TempDir dir;
  CommitSizes commits;
  auto opened = Journal::open({.db_path = dir.file("s.db"), .store_id = "S1",
                               .lanes_wait_behind = std::chrono::hours(1),  // cut by the sale alone
                               .on_commit = commits.recorder()});
  REQUIRE(opened);
  auto& j = *opened;
  std::promise<void> release = hold_writer(*j);
  commits.clear();
  std::promise<uint64_t> sale, last;
  j->submit_behind([&j, &sale](WriteContext& ctx) -> Result<std::vector<Entry>> {
                     j->submit(note(100), seq_into(sale));
                     return note(1)(ctx);
                   },
                   [](Result<Appended>) {});
  j->submit_behind(note(2), [](Result<Appended>) {});
  j->submit_behind(note(3), seq_into(last));
  release.set_value();
  CHECK(sale.get_future().get() == 4);  // after entry 1, before entries 2 and 3
  CHECK(last.get_future().get() == 6);
  j->close();
  CHECK(commits.taken() == std::vector<size_t>{1, 1, 3});  // the held write; entry 1 alone (the sale came); the sale, entries 2 and 3
}

TEST_CASE("lanes that never stop writing still let one write queued behind into every batch", "[journal]") {
  test::TempDir dir;
  auto j = open_journal(dir.file("s.db"));
  std::promise<void> release = hold_writer(*j);
  std::promise<uint64_t> entry, next_sale;
  // The lane's write queues another as it runs: a lane is waiting when the
  // batch reaches HQ's entry, which applies all the same.
  j->submit([&j, &next_sale](WriteContext& ctx) -> Result<std::vector<Entry>> {
              j->submit(note(2), seq_into(next_sale));
              return note(1)(ctx);
            },
            [](Result<Appended>) {});
  j->submit_behind(note(3), seq_into(entry));
  release.set_value();
  CHECK(entry.get_future().get() == 4);
  CHECK(next_sale.get_future().get() == 5);
}

TEST_CASE("one failing write does not harm the others in its batch", "[journal]") {
  test::TempDir dir;
  auto j = open_journal(dir.file("s.db"));
  REQUIRE(j->write(note(0)));
  std::atomic<int> ok{0}, failed{0};
  std::promise<void> all_done;
  std::atomic<int> left{30};
  for (int i = 1; i <= 30; ++i) {
    // Every third is a duplicate key: a constraint failure inside the batch.
    j->submit(note(i % 3 == 0 ? 0 : i), [&](Result<Appended> r) {
      (r ? ok : failed)++;
      if (--left == 0) all_done.set_value();
    });
  }
  all_done.get_future().wait();
  CHECK(ok == 20);
  CHECK(failed == 10);
  CHECK(j->last_seq() == 2 + 20);
}

TEST_CASE("close() writes everything queued, then refuses", "[journal]") {
  test::TempDir dir;
  const std::string path = dir.file("s.db");
  auto j = open_journal(path);
  std::atomic<int> done{0};
  for (int i = 0; i < 100; ++i) j->append(Entry{"note", {{"n", i}}}, [&](Result<Appended> r) {
    REQUIRE(r);
    ++done;
  });
  j->close();
  CHECK(done == 100);
  CHECK(j->last_seq() == 101);
  auto after = j->append(Entry{"note", nlohmann::json::object()});
  CHECK(after.status().code() == Status::Code::unavailable);
}

TEST_CASE("reopening continues the chain, and another store's database is refused", "[journal]") {
  test::TempDir dir;
  const std::string path = dir.file("s.db");
  open_journal(path)->append(Entry{"note", {{"n", 1}}});
  {
    auto j = open_journal(path);
    CHECK(j->last_seq() == 2);
    CHECK(j->append(Entry{"note", {{"n", 2}}})->first_seq == 3);
  }
  auto other = Journal::open({.db_path = path, .store_id = "S2"});
  REQUIRE_FALSE(other);
  CHECK_THAT(other.status().message(), Catch::Contains("belongs to store \"S1\""));

  // A different key pair for the same database is refused too.
  REQUIRE(StoreKey::load_or_create(dir.file("other.key"), dir.file("other.pub")));
  auto wrong_key = Journal::open({.db_path = path, .store_id = "S1",
                                  .key_path = dir.file("other.key"),
                                  .pubkey_path = dir.file("other.pub")});
  REQUIRE_FALSE(wrong_key);
  CHECK(wrong_key.status().code() == Status::Code::corruption);
  auto db = sql::Db::open(path);
  CHECK(db->query_int("SELECT COUNT(*) FROM journal")->value() == 3);
}

TEST_CASE("a journal whose key files are gone is refused, and no new key is written", "[journal]") {
  test::TempDir dir;
  const std::string path = dir.file("s.db");
  open_journal(path)->append(Entry{"note", {{"n", 1}}});
  std::filesystem::remove(path + ".key");
  std::filesystem::remove(path + ".pub");
  auto j = Journal::open({.db_path = path, .store_id = "S1"});
  REQUIRE_FALSE(j);
  CHECK(j.status().code() == Status::Code::not_found);
  CHECK_THAT(j.status().message(), Catch::Contains(path + ".key is missing") && Catch::Contains("holds journal events up to seq 2"));
  CHECK_FALSE(std::filesystem::exists(path + ".key"));
  CHECK_FALSE(std::filesystem::exists(path + ".pub"));
  auto db = sql::Db::open(path);
  CHECK(db->query_int("SELECT COUNT(*) FROM journal")->value() == 2);
}

TEST_CASE("cursors only move forward", "[journal]") {
  test::TempDir dir;
  auto j = open_journal(dir.file("s.db"));
  auto move = [&](uint64_t v) {
    return j->write([v](WriteContext& ctx) -> Result<std::vector<Entry>> {
      if (Status s = cursor::advance(ctx.db, "hq_acked_seq", v); !s) return s;
      return std::vector<Entry>{};
    });
  };
  REQUIRE(move(5));
  REQUIRE(move(3));
  auto r = j->write([](WriteContext& ctx) -> Result<std::vector<Entry>> {
    auto v = cursor::read(ctx.db, "hq_acked_seq");
    if (!v) return v.status();
    return std::vector<Entry>{{"seen", {{"v", *v}}}};
  });
  CHECK(r->events[0].payload["v"] == 5);
  CHECK(move(7).is_ok());
  auto unknown = j->write([](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (Status s = cursor::advance(ctx.db, "nope", 1); !s) return s;
    return std::vector<Entry>{};
  });
  CHECK(unknown.status().code() == Status::Code::not_found);
}
