#include <catch2/catch.hpp>

#include "storage/catalog.h"
#include "storage/journal.h"
#include "storage/journal_export.h"
#include "storage/schema.h"
#include "tests/support/temp_dir.h"

using namespace posd;

TEST_CASE("a fresh database migrates to the latest version", "[schema]") {
  test::TempDir dir;
  auto db = sql::Db::open(dir.file("a.db"));
  CHECK(*schema::version(*db) == 0);
  REQUIRE(schema::migrate(*db));
  CHECK(*schema::version(*db) == schema::latest_version());
  REQUIRE(schema::migrate(*db));  // idempotent
  CHECK(*schema::version(*db) == schema::latest_version());
}

namespace {

// Schema 13's shape of what schema 14 rebuilt: the movements indexed by
// (sku, seq), the stock and the baskets ended as rowid tables.
void back_to_13(sql::Db& db) {
  REQUIRE(db.exec("DROP INDEX stock_movement_seq; CREATE INDEX stock_movement_sku ON stock_movement(sku, seq);"
                  "DROP TABLE stock; CREATE TABLE stock (sku TEXT PRIMARY KEY, on_hand INTEGER NOT NULL) STRICT;"
                  "DROP TABLE basket_ended; CREATE TABLE basket_ended (id TEXT PRIMARY KEY, seq INTEGER NOT NULL) STRICT;"));
}

// Schema 14's shape of what schema 15 rebuilt: the items and their GTINs as
// rowid tables, each with its key's index beside it.
void back_to_14(sql::Db& db) {
  REQUIRE(db.exec(
      "CREATE TABLE item_r (sku TEXT PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL CHECK (price >= 0),"
      " unit TEXT NOT NULL CHECK (unit IN ('each', 'kg')), tax_class TEXT NOT NULL REFERENCES tax_class(id),"
      " low_stock INTEGER NOT NULL DEFAULT 0, age_restricted INTEGER NOT NULL DEFAULT 0) STRICT;"
      "INSERT INTO item_r SELECT * FROM item;"
      "CREATE TABLE item_gtin_r (gtin TEXT PRIMARY KEY, sku TEXT NOT NULL REFERENCES item_r(sku) ON DELETE CASCADE) STRICT;"
      "INSERT INTO item_gtin_r SELECT gtin, sku FROM item_gtin;"
      "DROP TABLE item_gtin; DROP TABLE item;"
      "ALTER TABLE item_r RENAME TO item; ALTER TABLE item_gtin_r RENAME TO item_gtin;"
      "CREATE INDEX item_gtin_sku ON item_gtin(sku);"));
}

}  // namespace

TEST_CASE("every earlier schema version migrates with its data intact", "[schema]") {
  // Version 1 already holds the journal: build a journal there, then migrate.
  for (int from = 1; from < schema::latest_version(); ++from) {
    DYNAMIC_SECTION("from version " << from) {
      test::TempDir dir;
      const std::string path = dir.file("a.db");
      {
        // A journal written by the current code, then the later tables removed
        // to stand for what version `from` had.
        auto j = Journal::open({.db_path = path, .store_id = "S1"});
        REQUIRE(j);
        REQUIRE((*j)->append(Entry{"note", {{"n", 1}}}));
        REQUIRE((*j)->append(Entry{"z_report", {{"z_no", 1}, {"business_day", "2026-10-30"}}}));
      }
      {
        auto db = sql::Db::open(path);
        if (from < 15) back_to_14(*db);
        if (from < 14) back_to_13(*db);
        if (from < 13) REQUIRE(db->exec("DROP TABLE catalog_version"));
        if (from < 12) REQUIRE(db->exec("DROP INDEX journal_sale; DROP INDEX journal_return; DROP INDEX journal_z_report"));
        if (from < 11) REQUIRE(db->exec("DROP TABLE hq_reason_code; DROP TABLE operator; DROP TABLE till_session"));
        if (from < 10) REQUIRE(db->exec("DROP TABLE store_setting"));
        if (from < 9) REQUIRE(db->exec("DROP TABLE basket_ended"));
        if (from < 8) REQUIRE(db->exec("DROP TABLE closure"));
        if (from < 7) REQUIRE(db->exec("DROP TABLE basket_kept"));
        if (from < 6 && from >= 3) REQUIRE(db->exec("ALTER TABLE sale DROP COLUMN copies"));
        if (from < 5) REQUIRE(db->exec("DROP TABLE journal_mark"));
        if (from < 4) {
          REQUIRE(db->exec("DROP TABLE hq_terminal; DROP TABLE down_quarantine; DROP TABLE reservation;"));
          if (from >= 2) REQUIRE(db->exec("DELETE FROM cursor WHERE name = 'hq_ack_at_ms'"));
        }
        if (from < 3) {
          REQUIRE(db->exec("DROP TABLE idempotency; DROP TABLE counter; DROP TABLE sale_return;"
                           "DROP TABLE sale; DROP TABLE stock_movement; DROP TABLE stock;"
                           "DROP TABLE promotion; DROP TABLE item_gtin; DROP TABLE item; DROP TABLE tax_class;"));
        }
        if (from < 2) REQUIRE(db->exec("DROP TABLE cursor"));
        REQUIRE(db->exec("PRAGMA user_version = " + std::to_string(from)));
      }
      auto j = Journal::open({.db_path = path, .store_id = "S1"});
      REQUIRE(j);
      CHECK((*j)->halted());
      CHECK((*j)->last_seq() == 3);
      REQUIRE((*j)->append(Entry{"note", {{"n", 2}}}));
      (*j)->close();
      auto db = sql::Db::open(path);
      CHECK(*schema::version(*db) == schema::latest_version());
      // The Zs journaled before closures had a table are in it.
      if (from < 8) CHECK(db->query_int("SELECT seq FROM closure WHERE kind = 'day' AND no = 1 AND period = '2026-10-30'")->value_or(0) == 3);
      // The promotions' version starts with its row.
      CHECK(db->query_int("SELECT n FROM catalog_version WHERE part = 'promotions'")->value_or(-1) == 0);
      auto n = verify_journal(*db, (*j)->public_key());
      REQUIRE(n);
      CHECK(*n == 4);
    }
  }
}

TEST_CASE("schema 14 keeps the stock, its movements and the baskets kept and ended, the stock and the ended one b-tree each", "[schema]") {
  test::TempDir dir;
  const std::string path = dir.file("a.db");
  {
    auto j = Journal::open({.db_path = path, .store_id = "S1"});
    REQUIRE(j);
    REQUIRE((*j)->append(Entry{"note", {{"n", 1}}}));
  }
  {
    auto db = sql::Db::open(path);
    back_to_13(*db);
    REQUIRE(db->exec("INSERT INTO stock VALUES ('MILK', 7), ('BREAD', -2);"
                     "INSERT INTO stock_movement VALUES (2, 'MILK', 7, 'receive'), (2, 'BREAD', -2, 'sale');"
                     "INSERT INTO basket_kept VALUES ('b-2', 'lane-1', '{\"lines\":[]}');"
                     "INSERT INTO basket_ended VALUES ('b-1', 2);"
                     "PRAGMA user_version = 13"));
  }
  auto j = Journal::open({.db_path = path, .store_id = "S1"});
  REQUIRE(j);
  (*j)->close();
  auto db = sql::Db::open(path);
  CHECK(*schema::version(*db) == schema::latest_version());
  auto text = [&](const std::string& q) { return sql::all<std::string>(*db, q, [](sql::Stmt& st) { return st.text(0); }); };
  CHECK(*text("SELECT sku || '=' || on_hand FROM stock ORDER BY sku") == std::vector<std::string>{"BREAD=-2", "MILK=7"});
  CHECK(*text("SELECT sku || ' ' || delta || ' ' || kind FROM stock_movement ORDER BY sku") ==
        std::vector<std::string>{"BREAD -2 sale", "MILK 7 receive"});
  CHECK(*text("SELECT id || ' ' || terminal || ' ' || record FROM basket_kept") ==
        std::vector<std::string>{"b-2 lane-1 {\"lines\":[]}"});
  CHECK(*text("SELECT id || ' ' || seq FROM basket_ended") == std::vector<std::string>{"b-1 2"});
  // One b-tree each: no rowid, and no index of the key beside the table.
  for (const char* table : {"stock", "basket_ended"}) {
    CHECK_FALSE(db->exec(std::string("SELECT rowid FROM ") + table));
    CHECK(db->query_int(std::string("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = '") +
                        table + "'")
              ->value_or(-1) == 0);
  }
  // The movements' last seq (the state check at start) is read from the seq
  // index, not found by a walk of every movement.
  auto plan = sql::all<std::string>(*db, "EXPLAIN QUERY PLAN SELECT MAX(seq) FROM stock_movement",
                                     [](sql::Stmt& st) { return st.text(3); });
  REQUIRE(plan);
  REQUIRE(plan->size() == 1);
  CHECK_THAT((*plan)[0], Catch::Contains("stock_movement_seq"));
}

TEST_CASE("schema 15 keeps the items and their GTINs, one b-tree each, a delete still taking an item's GTINs", "[schema][catalog]") {
  test::TempDir dir;
  const std::string path = dir.file("a.db");
  {
    auto j = Journal::open({.db_path = path, .store_id = "S1"});
    REQUIRE(j);
  }
  {
    auto db = sql::Db::open(path);
    back_to_14(*db);
    REQUIRE(db->exec("INSERT INTO tax_class VALUES ('std', 2000);"
                     "INSERT INTO item VALUES ('MILK', 'Milk 1l', 129, 'each', 'std', 5, 0),"
                     " ('WINE', 'Red wine', 899, 'each', 'std', 0, 1);"
                     "INSERT INTO item_gtin VALUES ('05000000000022', 'MILK'), ('05000000000015', 'MILK'),"
                     " ('05000000000039', 'WINE');"
                     "PRAGMA user_version = 14"));
    REQUIRE(db->query_int("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'item'")->value_or(0) == 1);
  }
  auto j = Journal::open({.db_path = path, .store_id = "S1"});
  REQUIRE(j);
  (*j)->close();
  auto db = sql::Db::open(path);
  CHECK(*schema::version(*db) == schema::latest_version());
  auto milk = catalog::by_gtin(*db, "05000000000022");
  REQUIRE(milk);
  REQUIRE(*milk);
  CHECK((*milk)->sku == "MILK");
  CHECK((*milk)->price == 129);
  CHECK((*milk)->low_stock == 5);
  CHECK((*milk)->gtins == std::vector<std::string>{"05000000000015", "05000000000022"});
  auto wine = catalog::by_sku(*db, "WINE");
  REQUIRE(wine);
  REQUIRE(*wine);
  CHECK((*wine)->age_restricted);
  // One b-tree each: no rowid; the items have no index beside them, the
  // GTINs only the one by sku.
  for (const char* table : {"item", "item_gtin"}) CHECK_FALSE(db->exec(std::string("SELECT rowid FROM ") + table));
  CHECK(db->query_int("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'item'")->value_or(-1) == 0);
  // An item's GTINs come in order from the sku's index: no sort.
  auto plan = sql::all<std::string>(*db, "EXPLAIN QUERY PLAN SELECT gtin FROM item_gtin WHERE sku = 'MILK' ORDER BY gtin",
                                     [](sql::Stmt& st) { return st.text(3); });
  REQUIRE(plan);
  REQUIRE(plan->size() == 1);
  CHECK_THAT((*plan)[0], Catch::Contains("COVERING INDEX item_gtin_sku"));
  // The GTINs still name the items table: removing an item takes its GTINs.
  CHECK(db->query_int("SELECT COUNT(*) FROM pragma_foreign_key_list('item_gtin') WHERE \"table\" = 'item'")->value_or(0) == 1);
  REQUIRE(catalog::remove_items(*db, {"MILK"}));
  CHECK(db->query_int("SELECT COUNT(*) FROM item_gtin")->value_or(-1) == 1);
}

TEST_CASE("a database newer than this build is refused", "[schema]") {
  test::TempDir dir;
  auto db = sql::Db::open(dir.file("a.db"));
  REQUIRE(db->exec("PRAGMA user_version = 999"));
  Status s = schema::migrate(*db);
  CHECK(s.code() == Status::Code::invalid_argument);
  CHECK_THAT(s.message(), Catch::Contains("newer"));
  CHECK(*schema::version(*db) == 999);
}

TEST_CASE("every write of the promotions moves their version, and other catalog writes do not", "[schema][catalog]") {
  test::TempDir dir;
  auto db = sql::Db::open(dir.file("a.db"));
  REQUIRE(schema::migrate(*db));
  auto version = [&] { return *catalog::promotions_version(*db); };
  const int64_t fresh = version();
  Catalog c;
  c.tax_classes = {{"standard", 2000}};
  c.items = {{"MILK", {"08712345670016"}, "Milk", 119, Unit::each, "standard"}};
  REQUIRE(catalog::replace(*db, c));  // no promotion, but it removes every one there was
  const int64_t replaced = version();
  CHECK(replaced > fresh);
  REQUIRE(catalog::upsert(*db, c));  // items alone
  REQUIRE(catalog::set_price(*db, "MILK", 129));
  CHECK(version() == replaced);
  Promotion p{"MILK-99", PromoType::fixed_price, {"MILK"}};
  p.price = 99;
  c.promotions = {p};
  REQUIRE(catalog::upsert(*db, c));
  const int64_t upserted = version();
  CHECK(upserted > replaced);
  CHECK_FALSE(catalog::remove_promotion(*db, "NONE"));
  CHECK(version() == upserted);
  REQUIRE(catalog::remove_promotion(*db, "MILK-99"));
  CHECK(version() > upserted);
  // Without its row the version cannot move: refused, not read as 0.
  REQUIRE(db->exec("DELETE FROM catalog_version"));
  CHECK(catalog::promotions_version(*db).status().code() == Status::Code::corruption);
  CHECK(catalog::upsert(*db, c).code() == Status::Code::corruption);
}

TEST_CASE("an item read by SKU or GTIN is the same item with or without its list of GTINs", "[schema][catalog]") {
  test::TempDir dir;
  auto db = sql::Db::open(dir.file("a.db"));
  REQUIRE(schema::migrate(*db));
  Catalog c;
  c.tax_classes = {{"reduced", 700}};
  c.items = {{"MILK", {"08712345670016", "04006381333931"}, "Milk", 119, Unit::each, "reduced", 5, true}};
  REQUIRE(catalog::replace(*db, c));
  for (catalog::Gtins g : {catalog::Gtins::read, catalog::Gtins::skip}) {
    for (auto found : {catalog::by_sku(*db, "MILK", g), catalog::by_gtin(*db, "04006381333931", g)}) {
      REQUIRE(found);
      REQUIRE(*found);
      const Item& i = **found;
      CHECK(i.sku == "MILK");
      CHECK(i.name == "Milk");
      CHECK(i.price == 119);
      CHECK(i.tax_class == "reduced");
      CHECK(i.low_stock == 5);
      CHECK(i.age_restricted);
      CHECK(i.gtins == (g == catalog::Gtins::read ? std::vector<std::string>{"04006381333931", "08712345670016"}
                                                   : std::vector<std::string>{}));
    }
  }
  auto none = catalog::by_gtin(*db, "00000000000000", catalog::Gtins::skip);
  REQUIRE(none);
  CHECK_FALSE(*none);
}
