// Each down-log kind applied to a real store database through the journal:
// what it changes, what it journals, and what it refuses (quarantine).
#include <catch2/catch.hpp>

#include "base/pin.h"
#include "storage/catalog.h"
#include "storage/cursor.h"
#include "storage/journal.h"
#include "storage/stock.h"
#include "storage/store_tables.h"
#include "sync/down_log.h"
#include "tests/support/temp_dir.h"

using namespace posd;
using json = nlohmann::json;

namespace {

struct Store {
  test::TempDir dir;
  std::unique_ptr<Journal> journal;
  uint64_t next_hq_seq = 1;

  Store() {
    auto j = Journal::open({.db_path = dir.file("s.db"), .store_id = "S1"});
    REQUIRE(j);
    journal = std::move(*j);
    REQUIRE(apply("catalog_upsert", json::parse(R"({
      "tax_classes": [{"id": "standard", "rate_bp": 2000}],
      "items": [{"sku": "A", "name": "A", "price": 100, "tax_class": "standard", "gtins": ["4006381333931"]},
                {"sku": "B", "name": "B", "price": 200, "tax_class": "standard"}]})"))->applied);
  }
  // Applies the next entry; what the store did with it.
  std::shared_ptr<sync::DownApplied> apply(const std::string& kind, const json& body, uint64_t hq_seq = 0) {
    return apply(sync::DownEntry{"S1", hq_seq ? hq_seq : next_hq_seq, kind, body}, hq_seq == 0);
  }
  std::shared_ptr<sync::DownApplied> apply(sync::DownEntry e, bool next = true) {
    auto out = std::make_shared<sync::DownApplied>();
    const uint64_t seq = e.hq_seq;
    REQUIRE(journal->write(sync::apply_down(std::move(e), out)));
    if (next && out->applied_seq == seq) ++next_hq_seq;
    return out;
  }
  sql::Db reader() {
    auto db = sql::Db::open(journal->db_path(), sql::Db::Mode::read_only);
    REQUIRE(db);
    return std::move(*db);
  }
  int64_t on_hand(const std::string& sku) {
    auto db = reader();
    return *stock::on_hand(db, sku);
  }
  std::optional<Item> item(const std::string& sku) {
    auto db = reader();
    return *catalog::by_sku(db, sku);
  }
};

}  // namespace

TEST_CASE("catalog entries change the store's catalog and are journaled", "[down]") {
  Store s;
  REQUIRE(s.item("A")->price == 100);
  SECTION("an upsert changes one item and adds another, leaving the rest") {
    auto r = s.apply("catalog_upsert", json::parse(R"({"items": [
      {"sku": "A", "name": "A2", "price": 150, "tax_class": "standard", "gtins": ["4006381333948"]},
      {"sku": "C", "name": "C", "price": 300, "tax_class": "standard", "gtins": ["4006381333931"]}]})"));
    CHECK(r->applied);
    CHECK(s.item("A")->name == "A2");
    CHECK(s.item("A")->gtins == std::vector<std::string>{"04006381333948"});
    CHECK(s.item("C")->gtins == std::vector<std::string>{"04006381333931"});  // the GTIN moved
    CHECK(s.item("B")->price == 200);
  }
  SECTION("a GTIN given to another item moves to it, though the entry does not name the item that had it") {
    auto r = s.apply("catalog_upsert", json::parse(R"({"items": [
      {"sku": "B", "name": "B", "price": 200, "tax_class": "standard", "gtins": ["4006381333931", "4006381333948"]}]})"));
    CHECK(r->applied);
    CHECK(s.item("B")->gtins == std::vector<std::string>{"04006381333931", "04006381333948"});
    CHECK(s.item("A")->gtins.empty());
    CHECK(s.item("A")->price == 100);
  }
  SECTION("an item repriced with its GTINs as they were keeps its GTIN rows untouched; one whose GTINs change gets exactly the new ones") {
    REQUIRE(s.apply("catalog_upsert", json::parse(R"({"items": [
      {"sku": "B", "name": "B", "price": 200, "tax_class": "standard", "gtins": ["4006381333948", "4006381333955"]}]})"))->applied);
    // Every row written to or deleted from item_gtin from now on, counted by
    // a trigger the writer's connection runs too.
    {
      auto db = sql::Db::open(s.journal->db_path(), sql::Db::Mode::read_write);
      REQUIRE(db);
      REQUIRE(db->exec("CREATE TABLE gtin_written (what TEXT NOT NULL);"
                       "CREATE TRIGGER gtin_in AFTER INSERT ON item_gtin BEGIN INSERT INTO gtin_written VALUES ('+' || NEW.gtin); END;"
                       "CREATE TRIGGER gtin_out AFTER DELETE ON item_gtin BEGIN INSERT INTO gtin_written VALUES ('-' || OLD.gtin); END;"));
    }
    auto rows = [&] {
      auto db = s.reader();
      return sql::all<std::string>(db, "SELECT gtin || ' ' || sku FROM item_gtin ORDER BY gtin",
                                   [](const sql::Stmt& st) { return st.text(0); }).value();
    };
    auto written = [&] {
      auto db = s.reader();
      return sql::all<std::string>(db, "SELECT what FROM gtin_written ORDER BY rowid",
                                   [](const sql::Stmt& st) { return st.text(0); }).value();
    };
    const auto before = rows();
    REQUIRE(before.size() == 3);
    // The same GTINs in another order: a price change writes no GTIN row.
    CHECK(s.apply("catalog_upsert", json::parse(R"({"items": [
      {"sku": "A", "name": "A", "price": 101, "tax_class": "standard", "gtins": ["4006381333931"]},
      {"sku": "B", "name": "B", "price": 201, "tax_class": "standard", "gtins": ["4006381333955", "4006381333948"]}]})"))->applied);
    CHECK(rows() == before);
    CHECK(written().empty());
    CHECK(s.item("B")->price == 201);
    // One kept, one dropped, one added.
    CHECK(s.apply("catalog_upsert", json::parse(R"({"items": [
      {"sku": "B", "name": "B", "price": 201, "tax_class": "standard", "gtins": ["4006381333955", "4006381333962"]}]})"))->applied);
    CHECK(s.item("B")->gtins == std::vector<std::string>{"04006381333955", "04006381333962"});
    CHECK(s.item("A")->gtins == std::vector<std::string>{"04006381333931"});
    CHECK(rows().size() == 3);
    // B's GTINs deleted and the two given written; A's untouched.
    CHECK(written() == std::vector<std::string>{"-04006381333948", "-04006381333955", "+04006381333955", "+04006381333962"});
  }
  SECTION("an upsert moves an item to another tax class, and leaves the tax class of one it only reprices") {
    auto r = s.apply("catalog_upsert", json::parse(R"({"tax_classes": [{"id": "reduced", "rate_bp": 700}], "items": [
      {"sku": "A", "name": "A", "price": 100, "tax_class": "reduced"},
      {"sku": "B", "name": "B", "price": 210, "tax_class": "standard"}]})"));
    CHECK(r->applied);
    CHECK(s.item("A")->tax_class == "reduced");
    CHECK(s.item("B")->tax_class == "standard");
    CHECK(s.item("B")->price == 210);
  }
  SECTION("a delete removes the items, and an unknown SKU removes nothing") {
    CHECK(s.apply("catalog_delete", {{"skus", {"B", "NOPE"}}})->quarantined == "item \"NOPE\" is not in the catalog");
    CHECK(s.item("B"));
    CHECK(s.apply("catalog_delete", {{"skus", {"B"}}})->applied);
    CHECK_FALSE(s.item("B"));
  }
  SECTION("a price change, and one with a bad price") {
    CHECK(s.apply("price", {{"sku", "A"}, {"price", 120}})->applied);
    CHECK(s.item("A")->price == 120);
    CHECK_THAT(s.apply("price", {{"sku", "A"}, {"price", "cheap"}})->quarantined, Catch::Contains("body.price"));
    CHECK(s.item("A")->price == 120);
  }
  SECTION("a promotion on known items, one on an unknown item, and its removal") {
    CHECK(s.apply("promotion", json::parse(R"({"id": "P", "type": "percent_off", "skus": ["A"], "percent_bp": 1000})"))->applied);
    CHECK_THAT(s.apply("promotion", json::parse(R"({"id": "Q", "type": "percent_off", "skus": ["Z"], "percent_bp": 1000})"))->quarantined,
               Catch::Contains("\"Z\" is not an item"));
    auto db = s.reader();
    CHECK(catalog::promotions(db)->size() == 1);
    // Each one the store applies moves the version its lanes price by.
    const int64_t added = *catalog::promotions_version(db);
    CHECK(added > 0);
    CHECK(s.apply("promotion", {{"delete", "P"}})->applied);
    CHECK(catalog::promotions(db)->empty());
    CHECK(*catalog::promotions_version(db) > added);
    CHECK(s.apply("catalog_upsert", json::parse(R"({"items": [], "promotions": [{"id": "P2", "type": "fixed_price", "skus": ["A"], "price": 50}]})"))->applied);
    CHECK(*catalog::promotions_version(db) > added + 1);
  }
  SECTION("a tax rate, and an item naming a tax class the store lacks") {
    CHECK(s.apply("tax_rate", {{"id", "reduced"}, {"rate_bp", 550}})->applied);
    CHECK(s.apply("catalog_upsert", json::parse(R"({"items": [{"sku": "R", "name": "R", "price": 1, "tax_class": "reduced"}]})"))->applied);
    CHECK_THAT(s.apply("catalog_upsert", json::parse(R"({"items": [{"sku": "X", "name": "X", "price": 1, "tax_class": "zero"}]})"))->quarantined,
               Catch::Contains("\"zero\" is not a tax class"));
  }
}

TEST_CASE("a catalog entry read ahead of its write applies as it would without, and what it names of the store is checked in the write", "[down]") {
  Store s, plain;  // the same entries, read ahead on one store only
  auto both = [&](const std::string& kind, const json& body) {
    sync::DownEntry ahead{"S1", s.next_hq_seq, kind, body};
    sync::read_ahead(ahead);
    CHECK(static_cast<bool>(ahead.read_ahead) == (kind == "catalog_upsert"));
    auto a = s.apply(std::move(ahead));
    auto b = plain.apply(kind, body);
    CHECK(a->applied == b->applied);
    CHECK(a->quarantined == b->quarantined);
    CHECK(a->applied_seq == b->applied_seq);
    return a;
  };
  SECTION("a tax class and a SKU the store gets after the read and before the write") {
    const json items = json::parse(R"({"items": [{"sku": "X", "name": "X", "price": 5, "tax_class": "reduced"}],
      "promotions": [{"id": "PX", "type": "percent_off", "skus": ["Y", "A"], "percent_bp": 500}]})");
    sync::DownEntry ahead{"S1", 0, "catalog_upsert", items};
    sync::read_ahead(ahead);
    REQUIRE(ahead.read_ahead);
    CHECK(ahead.read_ahead->tax_classes == std::set<std::string, std::less<>>{"reduced"});
    CHECK(ahead.read_ahead->skus == std::set<std::string, std::less<>>{"A", "Y"});
    for (Store* st : {&s, &plain}) {
      REQUIRE(st->apply("tax_rate", {{"id", "reduced"}, {"rate_bp", 700}})->applied);
      REQUIRE(st->apply("catalog_upsert", json::parse(R"({"items": [{"sku": "Y", "name": "Y", "price": 1, "tax_class": "standard"}]})"))->applied);
    }
    ahead.hq_seq = s.next_hq_seq;
    CHECK(s.apply(std::move(ahead))->applied);
    CHECK(plain.apply("catalog_upsert", items)->applied);
    CHECK(s.item("X")->tax_class == "reduced");
    auto db = s.reader();
    CHECK(catalog::promotions(db)->at(0).skus == std::vector<std::string>{"Y", "A"});
  }
  SECTION("a tax class the store lacks is refused for the same reason") {
    auto r = both("catalog_upsert", json::parse(R"({"items": [{"sku": "X", "name": "X", "price": 5, "tax_class": "zero"}]})"));
    CHECK_THAT(r->quarantined, Catch::Contains("\"zero\" is not a tax class"));
    CHECK_FALSE(s.item("X"));
  }
  SECTION("a promotion on a SKU the store lacks is refused for the same reason") {
    auto r = both("catalog_upsert", json::parse(R"({"promotions": [{"id": "P", "type": "percent_off", "skus": ["A", "NOPE"], "percent_bp": 500}]})"));
    CHECK_THAT(r->quarantined, Catch::Contains("\"NOPE\" is not an item"));
  }
  SECTION("an unknown reference before a malformed item is named first, as without the read") {
    auto r = both("catalog_upsert", json::parse(R"({"items": [{"sku": "X", "name": "X", "price": 5, "tax_class": "zero"},
                                                              {"sku": "Z", "name": "Z", "price": "cheap", "tax_class": "standard"}]})"));
    CHECK_THAT(r->quarantined, Catch::Contains("items[0].tax_class"));
  }
  SECTION("a body that reads cleanly, and kinds that are not read ahead") {
    CHECK(both("catalog_upsert", json::parse(R"({"tax_classes": [{"id": "zero", "rate_bp": 0}], "items": [
      {"sku": "A", "name": "A", "price": 90, "tax_class": "zero", "gtins": ["4006381333931"]}]})"))->applied);
    CHECK(s.item("A")->price == 90);
    CHECK(s.item("A")->tax_class == "zero");
    CHECK(both("price", {{"sku", "A"}, {"price", 95}})->applied);
  }
}

TEST_CASE("entries apply in hq_seq order only, once", "[down]") {
  Store s;  // hq_seq 1 applied
  auto ahead = s.apply("price", {{"sku", "A"}, {"price", 1}}, 3);
  CHECK_FALSE(ahead->applied);
  CHECK(ahead->applied_seq == 1);  // waits for 2
  CHECK(s.item("A")->price == 100);
  auto again = s.apply("price", {{"sku", "A"}, {"price", 1}}, 1);
  CHECK_FALSE(again->applied);
  CHECK(again->applied_seq == 1);
  CHECK(s.apply("price", {{"sku", "A"}, {"price", 2}}, 2)->applied);
  CHECK(s.apply("price", {{"sku", "A"}, {"price", 3}}, 3)->applied);
  CHECK(s.item("A")->price == 3);
  auto db = s.reader();
  CHECK(*cursor::read(db, "hq_applied_seq") == 3);
}

TEST_CASE("reservations set stock aside, release it, or close when picked, and one the shelf cannot serve is refused", "[down]") {
  Store s;
  REQUIRE(s.journal->write([](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (auto m = stock::move(ctx.db, "A", 10, ctx.next_seq, "receive"); !m) return m.status();
    return std::vector<Entry>{{"stock_received", {{"sku", "A"}}}};
  }));
  const json reserve = json::parse(R"({"order_id": "W1", "action": "reserve", "lines": [{"sku": "A", "qty": 3}]})");
  CHECK(s.apply("reservation", reserve)->applied);
  CHECK(s.on_hand("A") == 7);
  CHECK(s.apply("reservation", reserve)->quarantined == "order \"W1\" is already reserved");
  CHECK(s.apply("reservation", {{"order_id", "W1"}, {"action", "release"}})->applied);
  CHECK(s.on_hand("A") == 10);
  CHECK(s.apply("reservation", {{"order_id", "W1"}, {"action", "pick"}})->quarantined == "order \"W1\" is already released");
  CHECK(s.apply("reservation", json::parse(R"({"order_id": "W2", "action": "reserve", "lines": [{"sku": "A", "qty": 4}]})"))->applied);
  CHECK(s.apply("reservation", {{"order_id", "W2"}, {"action", "pick"}})->applied);
  CHECK(s.on_hand("A") == 6);  // picked: it left with the customer
  CHECK_THAT(s.apply("reservation", {{"order_id", "W3"}, {"action", "steal"}})->quarantined, Catch::Contains("body.action"));
  // More than the shelf has (6): refused whole, nothing set aside, the order unknown.
  CHECK(s.apply("reservation", json::parse(R"({"order_id": "W4", "action": "reserve", "lines": [{"sku": "A", "qty": 2}, {"sku": "A", "qty": 5}]})"))
            ->quarantined == "body.lines[1].qty: the order asks 5 of \"A\" and the store has 4: it cannot be served");
  CHECK(s.on_hand("A") == 6);
  CHECK(s.apply("reservation", {{"order_id", "W4"}, {"action", "release"}})->quarantined == "order \"W4\" was never reserved");
  CHECK(s.apply("reservation", json::parse(R"({"order_id": "W4", "action": "reserve", "lines": [{"sku": "A", "qty": 6}]})"))->applied);
  CHECK(s.on_hand("A") == 0);
}

TEST_CASE("terminals provisioned by HQ are kept as a digest and can be removed", "[down]") {
  Store s;
  const std::string digest(64, 'a');
  CHECK(s.apply("terminal", {{"id", "lane-9"}, {"token_sha256", digest}, {"role", "cashier"}})->applied);
  CHECK(s.apply("terminal", {{"id", "lane-8"}, {"token_sha256", digest}, {"role", "cashier"}})->quarantined ==
        "body.token_sha256: is already another terminal's token");
  CHECK_THAT(s.apply("terminal", {{"id", "lane-7"}, {"token_sha256", "abc"}, {"role", "cashier"}})->quarantined,
             Catch::Contains("64 lowercase hex"));
  auto db = s.reader();
  CHECK(*db.query_int("SELECT COUNT(*) FROM hq_terminal") == 1);
  // The digest never reaches the journal (it travels to HQ).
  bool seen = false;
  REQUIRE(scan_journal(db, 1, [&](const Event& e) {
    if (e.payload.dump().find(digest) != std::string::npos) seen = true;
    return Status::ok();
  }));
  CHECK_FALSE(seen);
  CHECK(s.apply("terminal", {{"id", "lane-9"}, {"remove", true}})->applied);
  CHECK(*db.query_int("SELECT COUNT(*) FROM hq_terminal") == 0);
}

TEST_CASE("reason codes provisioned by HQ are kept by use, checked, and can be removed", "[down]") {
  Store s;
  CHECK(s.apply("reason_code", {{"use", "return"}, {"code", "DAMAGED"}, {"label", "Damaged"}})->applied);
  CHECK(s.apply("reason_code", {{"use", "manual_discount"}, {"code", "STAFF"}, {"label", "Staff"}})->applied);
  // The same use and code again relabels it.
  CHECK(s.apply("reason_code", {{"use", "return"}, {"code", "DAMAGED"}, {"label", "Damaged goods"}})->applied);
  CHECK_THAT(s.apply("reason_code", {{"use", "refund"}, {"code", "X"}, {"label", "X"}})->quarantined,
             Catch::Contains("body.use: must be one of price_override, manual_discount, return"));
  CHECK_THAT(s.apply("reason_code", {{"use", "return"}, {"code", "NOT A CODE"}, {"label", "X"}})->quarantined,
             Catch::Contains("body.code: must be 1 to 32"));
  CHECK_THAT(s.apply("reason_code", {{"use", "return"}, {"code", "LONG"}, {"label", std::string(65, 'x')}})->quarantined,
             Catch::Contains("body.label: must be at most 64 bytes"));
  CHECK(s.apply("reason_code", {{"use", "void"}, {"code", "NEVER"}, {"remove", true}})->quarantined ==
        "reason code \"NEVER\" for void was not provisioned by HQ");
  auto db = s.reader();
  auto rows = hq_reason_codes::all(db);
  REQUIRE(rows);
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[0].use == "manual_discount");
  CHECK((*rows)[1].label == "Damaged goods");
  CHECK(s.apply("reason_code", {{"use", "return"}, {"code", "DAMAGED"}, {"remove", true}})->applied);
  CHECK(hq_reason_codes::all(db)->size() == 1);
}

TEST_CASE("operators provisioned by HQ come with a PIN hash that never reaches the journal", "[down]") {
  Store s;
  const std::string hash = hash_pin("4321");
  CHECK(s.apply("operator", {{"id", "ann"}, {"name", "Ann"}, {"role", "cashier"}, {"pin_hash", hash}})->applied);
  CHECK_THAT(s.apply("operator", {{"id", "bob"}, {"name", "Bob"}, {"role", "owner"}, {"pin_hash", hash}})->quarantined,
             Catch::Contains("body.role: must be one of cashier, supervisor, manager"));
  {
    // A quarantined entry keeps its body for HQ to see, but not the hash (any lane reads the quarantine).
    auto db = s.reader();
    auto q = sync::recent_quarantine(db, 10);
    REQUIRE(q);
    REQUIRE(!q->empty());
    CHECK((*q)[0]["body"].get<std::string>().find(hash.substr(20)) == std::string::npos);
    CHECK_THAT((*q)[0]["body"].get<std::string>(), Catch::Contains("(left out)"));
  }
  CHECK_THAT(s.apply("operator", {{"id", "bob"}, {"name", "Bob"}, {"role", "cashier"}, {"pin_hash", "4321"}})->quarantined,
             Catch::Contains("body.pin_hash: must be a PIN hash"));
  CHECK_THAT(s.apply("operator", {{"id", "b b"}, {"name", "Bob"}, {"role", "cashier"}, {"pin_hash", hash}})->quarantined,
             Catch::Contains("body.id: must be 1 to 32"));
  CHECK(s.apply("operator", {{"id", "zed"}, {"remove", true}})->quarantined == "operator \"zed\" is not provisioned");
  auto db = s.reader();
  auto ann = operators::find(db, "ann");
  REQUIRE(ann);
  REQUIRE(*ann);
  CHECK((*ann)->source == "hq");
  CHECK(pin_matches("4321", (*ann)->pin_hash));
  bool seen = false;
  REQUIRE(scan_journal(db, 1, [&](const Event& e) {
    if (e.payload.dump().find(hash.substr(20)) != std::string::npos) seen = true;
    return Status::ok();
  }));
  CHECK_FALSE(seen);
  CHECK(s.apply("operator", {{"id", "ann"}, {"remove", true}})->applied);
  CHECK(operators::all(db)->empty());
}

TEST_CASE("undecodable messages are kept, the newest 100, and never journaled", "[down]") {
  Store s;
  const uint64_t seq = s.journal->last_seq();
  for (int i = 0; i < 120; ++i) {
    REQUIRE(s.journal->write(sync::quarantine_message("not JSON", "garbage " + std::to_string(i))));
  }
  CHECK(s.journal->last_seq() == seq);
  auto db = s.reader();
  CHECK(**db.query_int("SELECT COUNT(*) FROM down_quarantine WHERE hq_seq IS NULL") == sync::kUndecodableKept);
  CHECK(**db.query_int("SELECT COUNT(*) FROM down_quarantine WHERE body = 'garbage 119'") == 1);
  CHECK(**db.query_int("SELECT COUNT(*) FROM down_quarantine WHERE body = 'garbage 19'") == 0);
  auto shown = sync::recent_quarantine(db, 5);
  REQUIRE(shown);
  CHECK((*shown)[0]["body"] == "garbage 119");
}
