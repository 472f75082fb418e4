// Power cuts, not process deaths: through the crash VFS (crash_vfs.h) a
// store sells, takes returns, closes days, imports its catalog, applies HQ's
// entries and records HQ's acks, and the power goes at a random write or
// sync. What was synced survives, torn sectors may not. Reopened, the store
// must hold every operation it acknowledged, its chain and its state must
// agree, and it must sell again. POSD_POWER_CUTS sets the number of cuts
// (scripts/faults runs the long campaign).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>

#include "bench/bench_catalog.h"
#include "checkout/state_check.h"
#include "storage/basket_store.h"
#include "storage/catalog.h"
#include "storage/catalog_json.h"
#include "storage/journal.h"
#include "storage/journal_export.h"
#include "sync/down_log.h"
#include "sync/outbox.h"
#include "tests/daemon/node.h"
#include "tests/faults/campaign.h"
#include "tests/faults/crash_vfs.h"

using namespace posd;
using json = nlohmann::json;

namespace {

const std::map<std::string, std::string> kOverride = {{"X-Supervisor-Token", test::kSupervisorToken}};

// What the store said was done before the power went.
struct Acked {
  std::map<int64_t, int64_t> sales;  // receipt_no → total
  std::vector<int64_t> returns;
  int64_t z_no = 0;
  int64_t catalogs = 0;  // catalog_imported events
  uint64_t applied_hq_seq = 0;
  uint64_t hq_acked = 0;
};

json body_of(const test::HttpResult& r) {
  try {
    return json::parse(r.body);
  } catch (const json::exception&) {
    return json::object();
  }
}

// A catalog import as posctl makes it, through the journal.
bool import_catalog(Journal& j, const Catalog& catalog) {
  auto r = j.write([&](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (Status s = catalog::replace(ctx.db, catalog); !s) return s;
    return std::vector<Entry>{{"catalog_imported", {{"items", catalog.items.size()}}}};
  });
  return static_cast<bool>(r);
}

// One store's work: sales, returns, Zs, catalog imports, HQ entries and acks,
// until a step fails (the power went). Returns what was acknowledged.
Acked work(test::Node& node, const Catalog& catalog, int steps) {
  Acked acked;
  const uint16_t port = node.port();
  auto call = [&](const std::string& method, const std::string& path, const json& body = nullptr,
                  const std::map<std::string, std::string>& headers = {}) {
    return test::request(port, method, path, test::kCashierToken, body.is_null() ? "" : body.dump(), headers);
  };
  for (int i = 0; i < steps; ++i) {
    // A sale of bread, paid in cash.
    auto basket = call("POST", "/v1/baskets");
    if (basket.status != 201) return acked;
    const std::string id = body_of(basket)["id"];
    if (call("POST", "/v1/baskets/" + id + "/lines", {{"code", "BREAD"}}).status != 200) return acked;
    if (call("POST", "/v1/baskets/" + id + "/tenders", {{"type", "cash"}, {"amount", 1000}}).status != 200) return acked;
    auto done = call("POST", "/v1/baskets/" + id + "/complete");
    if (done.status != 200) return acked;
    acked.sales[body_of(done)["receipt_no"].get<int64_t>()] = body_of(done)["total"].get<int64_t>();
    if (i % 3 == 2) {  // the bread of this sale comes back
      auto r = call("POST", "/v1/returns", {{"receipt_no", body_of(done)["receipt_no"]}, {"lines", {{{"line", 1}, {"qty", 1}}}}});
      if (r.status != 201) return acked;
      acked.returns.push_back(body_of(r)["return_no"].get<int64_t>());
    }
    if (i % 4 == 1) {
      if (!import_catalog(node.journal(), catalog)) return acked;
      ++acked.catalogs;
      auto out = std::make_shared<sync::DownApplied>();
      sync::DownEntry price{"TEST-1", acked.applied_hq_seq + 1, "price", {{"sku", "BREAD"}, {"price", 289 + i}}};
      if (!node.journal().write(sync::apply_down(price, out))) return acked;
      acked.applied_hq_seq = out->applied_seq;
    }
    if (i % 3 == 0) {
      const uint64_t seq = node.journal().last_seq() - 1;
      if (!node.journal().write(sync::Outbox::ack(seq))) return acked;
      acked.hq_acked = seq;
    }
    if (i % 5 == 4) {
      auto z = call("POST", "/v1/reports/z", nullptr, kOverride);
      if (z.status != 201) return acked;
      acked.z_no = body_of(z)["z_no"].get<int64_t>();
    }
  }
  return acked;
}

// The store after the power came back holds what it acknowledged, and agrees with itself.
void check_store(const std::string& db_path, const Acked& acked) {
  {
    auto db = sql::Db::open(db_path);
    REQUIRE(db);
    auto st = db->prepare("PRAGMA integrity_check");
    REQUIRE(*st->step());
    CHECK(st->text(0) == "ok");
    auto key = PublicKey::load(db_path + ".pub");
    REQUIRE(key);
    auto verified = verify_journal(*db, *key);
    INFO(verified.status().message());
    CHECK(verified);
    const uint64_t head = static_cast<uint64_t>(test::count(*db, "SELECT MAX(seq) FROM journal"));
    Status state = check_state(*db, head);
    INFO(state.message());
    CHECK(state);
    for (const auto& [receipt, total] : acked.sales) {
      INFO("receipt " << receipt);
      CHECK(test::count(*db, "SELECT total FROM sale WHERE receipt_no = " + std::to_string(receipt)) == total);
    }
    CHECK(test::count(*db, "SELECT COUNT(*) FROM sale") == test::count(*db, "SELECT IFNULL(MAX(receipt_no), 0) FROM sale"));
    for (int64_t r : acked.returns) CHECK(test::count(*db, "SELECT COUNT(*) FROM sale_return WHERE return_no = " + std::to_string(r)) == 1);
    CHECK(test::count(*db, "SELECT COUNT(*) FROM sale_return") == test::count(*db, "SELECT IFNULL(MAX(return_no), 0) FROM sale_return"));
    CHECK(test::count(*db, "SELECT value FROM counter WHERE name = 'z_no'") >= acked.z_no);
    CHECK(test::count(*db, "SELECT COUNT(*) FROM journal WHERE type = 'catalog_imported'") >= acked.catalogs + 1);
    CHECK(test::count(*db, "SELECT value FROM cursor WHERE name = 'hq_applied_seq'") >= static_cast<int64_t>(acked.applied_hq_seq));
    CHECK(test::count(*db, "SELECT value FROM cursor WHERE name = 'hq_acked_seq'") >= static_cast<int64_t>(acked.hq_acked));
    // Stock moved exactly by what the journal holds: 40 received, one loaf per sale, one back per return.
    CHECK(test::count(*db, "SELECT on_hand FROM stock WHERE sku = 'BREAD'") ==
          40 - test::count(*db, "SELECT COUNT(*) FROM sale") + test::count(*db, "SELECT COUNT(*) FROM sale_return"));
  }
  // posd starts on it, signs, and sells again.
  test::Node again({}, [&](json& c) { c["database"] = db_path; });
  auto status = test::request(again.port(), "GET", "/v1/status", test::kCashierToken);
  INFO(status.body);
  CHECK(body_of(status)["journal"]["signing"] == true);
  test::Lane lane(again.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  lane.scan(id, {"BREAD"});
  CHECK(lane.pay_cash_and_complete(id).status == 200);
}

}  // namespace

TEST_CASE("after a power cut at any write or sync, the store holds everything it acknowledged and agrees with itself", "[faults]") {
  test::CrashVfs& vfs = test::CrashVfs::install();
  const int rounds = test::rounds_from_env("POSD_POWER_CUTS", 40);
  const uint64_t seed = test::fault_seed();
  INFO("POSD_FAULT_SEED=" << seed);
  std::mt19937_64 rng(seed);
  auto doc = json::parse(test::read_text(std::string(POSD_SOURCE_DIR) + "/scripts/demo-catalog.json"));
  auto catalog = parse_catalog(doc);
  REQUIRE(catalog);
  constexpr int kSteps = 10;

  // How many writes and syncs the whole work takes, to cut anywhere in it.
  uint64_t span = 0;
  {
    test::TempDir dir;
    {
      test::Node node({}, [&](json& c) { c["database"] = dir.file("s.db"); });
      test::load_demo_catalog(node.journal());
      vfs.recount();
      Acked all = work(node, *catalog, kSteps);
      REQUIRE(all.sales.size() == kSteps);
      span = vfs.writes_and_syncs();
    }
    vfs.reset(dir.path());
  }
  REQUIRE(span > 50);
  int cut = 0;
  for (int round = 0; round < rounds; ++round) {
    const uint64_t at = 1 + rng() % span;
    const uint64_t round_seed = rng();
    {
      INFO("cut " << round << " at write-or-sync " << at << " of " << span << ", seed " << round_seed);
      test::TempDir dir;
      Acked acked;
      {
        test::Node node({}, [&](json& c) { c["database"] = dir.file("s.db"); });
        test::load_demo_catalog(node.journal());
        vfs.recount();
        vfs.cut_at(at, round_seed);
        acked = work(node, *catalog, kSteps);
        cut += vfs.was_cut();
      }
      vfs.reset(dir.path());
      check_store(dir.file("s.db"), acked);
    }
  }
  WARN("seed " << seed << ": power cut in " << cut << " of " << rounds << " rounds, cut anywhere in " << span << " writes and syncs");
  CHECK(cut > rounds / 2);  // most rounds did lose power before the work was done
}

TEST_CASE("after a power cut the basket store holds every basket it synced, and what came after it whole or not at all", "[faults]") {
  test::CrashVfs& vfs = test::CrashVfs::install();
  const uint64_t seed = test::fault_seed();
  INFO("POSD_FAULT_SEED=" << seed);
  std::mt19937_64 rng(seed);
  const std::string synced = json{{"lines", {{{"sku", "BREAD"}}}}}.dump();
  const std::string later = json{{"lines", {{{"sku", "MILK-1L"}}}}}.dump();
  for (int round = 0; round < 20; ++round) {
    test::TempDir dir;
    const std::string path = dir.file("s.db.baskets");
    {
      // The flusher waits an hour: only flush() syncs here.
      auto store = BasketStore::open(path, std::chrono::hours(1));
      REQUIRE(store);
      REQUIRE((*store)->put("a", "lane-1", synced));
      REQUIRE((*store)->put("gone", "lane-1", synced));
      REQUIRE((*store)->remove("gone"));
      REQUIRE((*store)->flush());
      vfs.recount();
      vfs.cut_at(1 + rng() % 4, rng());
      (void)(*store)->put("b", "lane-2", later);  // the power goes somewhere in these
      (void)(*store)->put("a", "lane-1", later);
      (void)(*store)->flush();
      CHECK(vfs.was_cut());
    }
    vfs.reset(dir.path());
    auto store = BasketStore::open(path, std::chrono::hours(1));
    REQUIRE(store);
    auto rows = (*store)->all();
    REQUIRE(rows);
    std::map<std::string, std::string> held;
    for (const auto& r : *rows) held[r.id] = r.body;
    INFO("round " << round);
    REQUIRE(held.count("a"));
    CHECK((held["a"] == synced || held["a"] == later));
    CHECK(!held.count("gone"));
    if (held.count("b")) CHECK(held["b"] == later);
  }
}

TEST_CASE("a catalog applies, imported or from HQ, without spilling a statement journal to the disk", "[faults]") {
  test::CrashVfs& vfs = test::CrashVfs::install();
  test::TempDir dir;
  auto j = Journal::open({.db_path = dir.file("s.db"), .store_id = "S1"});
  REQUIRE(j);
  constexpr int kItems = 2000;
  vfs.recount();
  REQUIRE(import_catalog(**j, bench::catalog(kItems)));
  CHECK(vfs.temp_file_writes() == 0);
  // From HQ, as an upsert over what the store holds: every price changed, five
  // items to the other tax class, one GTIN moved to a new item. The entry's
  // savepoint copies each page it changes once (42 writes here; 122 when
  // every unchanged GTIN was deleted and inserted again); a
  // statement journal per row was about 11 writes an item.
  json doc = bench::catalog_document(kItems);
  for (json& item : doc["items"]) item["price"] = item["price"].get<int64_t>() + 1;
  for (int i = 100; i < 105; ++i) {
    json& item = doc["items"][i];
    item["tax_class"] = item["tax_class"] == "standard" ? "reduced" : "standard";
  }
  doc["items"].push_back({{"sku", "SKU-NEW"}, {"name", "New"}, {"price", 5}, {"tax_class", "standard"},
                          {"gtins", doc["items"][7]["gtins"]}});
  doc["items"][7].erase("gtins");
  auto out = std::make_shared<sync::DownApplied>();
  vfs.recount();
  REQUIRE((*j)->write(sync::apply_down(sync::DownEntry{"S1", 1, "catalog_upsert", doc}, out)));
  REQUIRE(out->applied);
  INFO("writes to temporary files: " << vfs.temp_file_writes());
  CHECK(vfs.temp_file_writes() < kItems / 10);
  auto db = sql::Db::open((*j)->db_path(), sql::Db::Mode::read_only);
  REQUIRE(db);
  CHECK(test::count(*db, "SELECT COUNT(*) FROM item") == kItems + 1);
  CHECK((*catalog::by_sku(*db, "SKU-100"))->tax_class == "reduced");  // was standard
  CHECK((*catalog::by_sku(*db, "SKU-102"))->tax_class == "standard");  // was reduced (every third)
  CHECK((*catalog::by_sku(*db, "SKU-105"))->tax_class == "reduced");   // not moved
  auto moved = catalog::by_sku(*db, "SKU-NEW");
  REQUIRE(moved);
  REQUIRE(*moved);
  CHECK((*moved)->gtins == std::vector<std::string>{"0" + bench::gtin_of(7)});
  CHECK((*catalog::by_sku(*db, "SKU-7"))->gtins.empty());
}
