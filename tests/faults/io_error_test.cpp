// I/O errors at every point of a sale's completion: the crash VFS fails the
// Nth write (SQLITE_IOERR_WRITE, SQLITE_FULL), sync or read of the database
// while a lane completes a sale. posd answers that request with 500 or 507,
// acknowledges nothing it did not commit, keeps answering reads, and the
// same basket completes when the disk is well again, with no restart and no
// gap in the receipt numbers.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <functional>

#include "checkout/checkout.h"
#include "checkout/state_check.h"
#include "storage/journal_export.h"
#include "tests/daemon/node.h"
#include "tests/faults/crash_vfs.h"

using namespace posd;
using json = nlohmann::json;

namespace {

struct Fault {
  test::CrashVfs::Op op;
  int code;
  int expect;  // the HTTP status of the failed request
  const char* name;
};

}  // namespace

TEST_CASE("an I/O error at any write, sync or read of a sale's completion is refused, acknowledges nothing, and heals without a restart", "[faults]") {
  test::CrashVfs& vfs = test::CrashVfs::install();
  test::TempDir dir;
  int64_t sold = 0;
  int failed_requests = 0;
  {
    test::Node node({}, [&](json& c) { c["database"] = dir.file("s.db"); });
    test::load_demo_catalog(node.journal());
    vfs.recount();
    test::Lane lane(node.port(), test::kCashierToken);
    const Fault faults[] = {
        {test::CrashVfs::Op::write, SQLITE_IOERR_WRITE, 500, "write error"},
        {test::CrashVfs::Op::write, SQLITE_FULL, 507, "disk full"},
        {test::CrashVfs::Op::sync, SQLITE_IOERR_FSYNC, 500, "fsync error"},
        {test::CrashVfs::Op::read, SQLITE_IOERR_READ, 500, "read error"},
    };
    for (const Fault& f : faults) {
      int refused = 0, tried = 0;
      // At the 1st, 2nd, … operation of its kind, until the completion no longer reaches that far.
      for (uint64_t n = 1; n < 64; ++n) {
        INFO(f.name << " at operation " << n);
        ++tried;
        const std::string id = lane.open_basket();
        lane.scan(id, {"BREAD"});
        REQUIRE(lane.post("/v1/baskets/" + id + "/tenders", {{"type", "cash"}, {"amount", 500}}).status == 200);
        const uint64_t before = vfs.failures();
        vfs.fail_at(f.op, n, f.code);
        auto done = lane.post("/v1/baskets/" + id + "/complete");
        const bool hit = vfs.failures() > before;
        vfs.fail_at(f.op, 0, 0, 0);
        if (done.status == 200) {
          ++sold;
          CHECK(done.json()["receipt_no"] == sold);
          if (!hit) break;  // this completion never reached operation n: every point was tried
          continue;         // failed after the commit (a checkpoint): the sale stands
        }
        ++failed_requests;
        ++refused;
        CHECK(hit);
        CHECK(done.status == (f.op == test::CrashVfs::Op::read ? done.status : f.expect));
        CHECK((done.status == 500 || done.status == 507));
        // Nothing of it was acknowledged or kept; reads go on.
        CHECK(lane.get("/v1/sales/" + std::to_string(sold + 1)).status == 404);
        CHECK(lane.get("/v1/status").status == 200);
        CHECK(lane.get("/v1/baskets/" + id).json()["state"] == "open");
        // The disk is well again: the same basket completes, with the next number.
        auto again = lane.post("/v1/baskets/" + id + "/complete");
        REQUIRE(again.status == 200);
        ++sold;
        CHECK(again.json()["receipt_no"] == sold);
      }
      WARN(f.name << ": " << tried << " points of a completion tried, " << refused << " refused");
    }
    CHECK(failed_requests > 10);
    CHECK(lane.get("/v1/status").json()["journal"]["signing"] == true);
  }
  vfs.reset(dir.path());
  auto db = sql::Db::open(dir.file("s.db"));
  REQUIRE(db);
  CHECK(db->query_int("SELECT COUNT(*) FROM sale")->value_or(0) == sold);
  CHECK(db->query_int("SELECT MAX(receipt_no) FROM sale")->value_or(0) == sold);
  CHECK(db->query_int("SELECT on_hand FROM stock WHERE sku = 'BREAD'")->value_or(0) == 40 - sold);
  auto key = PublicKey::load(dir.file("s.db") + ".pub");
  auto verified = verify_journal(*db, *key);
  INFO(verified.status().message());
  CHECK(verified);
  Status state = check_state(*db, static_cast<uint64_t>(db->query_int("SELECT MAX(seq) FROM journal")->value_or(0)));
  INFO(state.message());
  CHECK(state);
}

TEST_CASE("a basket change the basket store cannot keep is refused, leaves the basket as it was, and works once the disk is well", "[faults][baskets]") {
  test::CrashVfs& vfs = test::CrashVfs::install();
  test::TempDir dir;
  test::Node node({}, [&](json& c) { c["database"] = dir.file("s.db"); });
  test::load_demo_catalog(node.journal());
  vfs.recount();
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string b = lane.open_basket();
  lane.scan(b, {"BREAD", "MILK-1L"});
  const std::string path = "/v1/baskets/" + b;
  struct Change {
    const char* name;
    std::function<test::HttpResult()> run;
  };
  const std::vector<Change> changes = {
      {"add a line", [&] { return lane.post(path + "/lines", {{"code", "PEN-BLUE"}}); }},
      {"change a line", [&] { return test::request(node.port(), "PATCH", path + "/lines/1", test::kCashierToken, R"({"qty":2})"); }},
      {"take a line off", [&] { return lane.del(path + "/lines/2"); }},
      {"suspend", [&] { return lane.post(path + "/suspend"); }},
      {"resume", [&] { return lane.post(path + "/resume"); }},
      {"pay part in cash", [&] { return lane.post(path + "/tenders", {{"type", "cash"}, {"amount", 100}}); }},
  };
  const Fault faults[] = {
      {test::CrashVfs::Op::write, SQLITE_FULL, 507, "disk full"},
      {test::CrashVfs::Op::write, SQLITE_IOERR_WRITE, 500, "write error"},
  };
  for (const Change& c : changes) {
    for (const Fault& f : faults) {
      INFO(c.name << ", " << f.name);
      const std::string before = lane.get(path).body;
      // Synced now, the flusher has nothing to write when the fault is armed:
      // the next write is the change's own.
      node.on_loop([](Checkout& co) { REQUIRE(co.basket_store().flush()); });
      vfs.fail_at(f.op, 1, f.code);
      auto refused = c.run();
      vfs.fail_at(f.op, 0, 0, 0);
      CHECK(refused.status == f.expect);
      CHECK(lane.get(path).body == before);  // as it was, version and all
    }
    INFO(c.name << ", the disk well again");
    CHECK(c.run().status == 200);
  }
  // A new basket the store cannot keep is not made.
  const std::string listed = lane.get("/v1/baskets").body;
  node.on_loop([](Checkout& co) { REQUIRE(co.basket_store().flush()); });
  vfs.fail_at(test::CrashVfs::Op::write, 1, SQLITE_FULL);
  CHECK(lane.post("/v1/baskets").status == 507);
  vfs.fail_at(test::CrashVfs::Op::write, 0, 0, 0);
  CHECK(lane.get("/v1/baskets").body == listed);
}
