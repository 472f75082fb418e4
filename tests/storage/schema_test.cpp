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
