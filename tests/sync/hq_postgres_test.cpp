// posd-hq on PostgreSQL under faults: instances SIGKILLed in turn while they
// share the stores, and the database itself crashed and restarted mid-stream.
// Always on PostgreSQL (tagged [postgres], not [hq], so that the suite's
// PostgreSQL pass does not run them twice).
#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "tests/daemon/node.h"
#include "tests/sync/hq_fixture.h"

using namespace posd;
using json = nlohmann::json;

namespace {


// The store has applied HQ's whole down-log once, and HQ holds its whole
// journal, verified by posd-hq verify against the registered key.
void require_converged(test::Hq& hq, test::Store& store) {
  INFO("store " << store.id() << "\n" << test::log_tail(store.log()));
  const uint64_t down_head = hq.report(store.id())["down_log"]["last_hq_seq"];
  INFO("HQ's down-log head " << down_head << "; the store's status " << store.status().dump());
  REQUIRE(test::wait_until([&] { return store.status()["hq"]["applied_hq_seq"] == down_head; }, 120));
  REQUIRE(test::wait_until([&] { return test::hq_acked(hq, store.id()) == store.status()["journal_seq"]; }, 120));
  auto verified = test::run({test::bin("posd-hq"), "verify", "--db", hq.db(), "--store", store.id(), "--pubkey",
                             store.db() + ".pub"});
  INFO(verified.err);
  CHECK(verified.exit_code == 0);
  CHECK(verified.out == "ok " + store.status()["journal_seq"].dump() + " events\n");
  test::require_hq_holds_journal(hq, store);
  auto applied = test::journal_events(store.db(), "hq_applied");
  std::set<uint64_t> seqs;
  for (const auto& e : applied) seqs.insert(e.payload["hq_seq"].get<uint64_t>());
  CHECK(applied.size() == down_head);  // each entry applied once
  CHECK(seqs.size() == down_head);
}

}  // namespace

TEST_CASE("two posd-hq instances on one PostgreSQL, each SIGKILLed and restarted in turn ten times while two stores sell, hold each journal exactly", "[postgres]") {
  test::TempDir dir;
  test::Broker broker{dir};
  // The URL with a password in its user part (unused: the test server
  // trusts): it must reach no log.
  const std::string plain = test::postgres_url_for(dir.path());
  const std::string db = "postgresql://postgres:pg-user-s3cret@/" + plain.substr(plain.find(":///") + 4);
  test::Hq one{dir, broker, "hq-1", db}, two{dir, broker, "hq-2", db};
  broker.start();
  one.start({"--share-group", "hq"});
  two.start({"--share-group", "hq"});
  test::Store s1(dir, broker, one, "S1"), s2(dir, broker, one, "S2");
  s1.start();
  s2.start();
  test::Selling selling({&s1, &s2});
  int prices = 0;
  for (int round = 0; round < 10; ++round) {
    for (test::Hq* hq : {&one, &two}) {
      one.cli({"price", "--sku", "BREAD", "--price", std::to_string(200 + prices++)});
      const int before = selling.sold();
      test::wait_until([&] { return selling.sold() >= before + 5; }, 30);
      hq->kill();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      hq->start({"--share-group", "hq"});
    }
  }
  selling.stop();
  INFO("hq-1\n" << test::log_tail(one.log()) << "\nhq-2\n" << test::log_tail(two.log()));
  require_converged(one, s1);
  require_converged(one, s2);
  CHECK(one.report("S1")["rejected"].empty());
  CHECK(one.report("S2")["rejected"].empty());
  CHECK(one.report("S1")["sales"].get<int>() + one.report("S2")["sales"].get<int>() >= selling.sold());
  CHECK(one.log().find("serving postgresql://postgres@/") != std::string::npos);
  CHECK(one.log().find("pg-user-s3cret") == std::string::npos);
  CHECK(two.log().find("pg-user-s3cret") == std::string::npos);
  WARN(selling.sold() << " sales acknowledged, 20 kills, " << prices << " price changes");
}

TEST_CASE("PostgreSQL crashed and restarted mid-stream: posd-hq recovers without a restart, nothing lost or doubled", "[postgres]") {
  test::TempDir dir;
  test::Broker broker{dir};
  // A password in the URL (unused: the test server trusts) must reach no log.
  test::Hq hq{dir, broker, "hq", test::postgres_url_for(dir.path()) + "&password=pg-s3cret-word"};
  broker.start();
  const uint16_t metrics = test::unused_port();
  hq.start({"--metrics", "127.0.0.1:" + std::to_string(metrics)});
  test::Store s1(dir, broker, hq, "S1"), s2(dir, broker, hq, "S2");
  s1.start();
  s2.start();
  test::Selling selling({&s1, &s2});
  hq.cli({"price", "--sku", "BREAD", "--price", "201"});
  int before = selling.sold();
  test::wait_until([&] { return selling.sold() >= before + 20; }, 30);
  for (int round = 0; round < 2; ++round) {
    test::Postgres::shared().stop_immediately();  // pg_ctl stop -m immediate: a crash
    before = selling.sold();
    test::wait_until([&] { return selling.sold() >= before + 20; }, 30);  // stores sell on: offline is normal
    CHECK(test::sample(test::scrape(metrics), "posd_hq_database_up") == 0);
    test::Postgres::shared().start();
    hq.cli({"price", "--sku", "BREAD", "--price", std::to_string(202 + round)});
    before = selling.sold();
    test::wait_until([&] { return selling.sold() >= before + 20; }, 30);
  }
  selling.stop();
  INFO("hq\n" << test::log_tail(hq.log()));
  require_converged(hq, s1);
  require_converged(hq, s2);
  CHECK(hq.report("S1")["rejected"].empty());
  CHECK(hq.report("S2")["rejected"].empty());
  const std::string page = test::scrape(metrics);
  CHECK(test::sample(page, "posd_hq_database_up") == 1);
  CHECK(test::sample(page, "posd_hq_store_lag_events{store=\"S1\"}") == 0);
  CHECK(test::sample(page, "posd_hq_store_held_seq{store=\"S2\"}") == static_cast<double>(test::hq_acked(hq, "S2")));
  CHECK(test::sample(page, "posd_hq_commit_failures_total") > 0);  // batches that met the crash were not acked
  CHECK(hq.log().find("connection lost") != std::string::npos);
  CHECK(hq.log().find("connected again") != std::string::npos);
  CHECK(hq.log().find("password=(hidden)") != std::string::npos);
  CHECK(hq.log().find("pg-s3cret-word") == std::string::npos);
}
