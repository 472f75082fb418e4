#include "storage/catalog.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace posd {

const char* to_string(Unit u) { return u == Unit::kg ? "kg" : "each"; }

const char* to_string(PromoType t) {
  switch (t) {
    case PromoType::multibuy: return "multibuy";
    case PromoType::multibuy_price: return "multibuy_price";
    case PromoType::percent_off: return "percent_off";
    case PromoType::fixed_price: return "fixed_price";
    case PromoType::basket_threshold: return "basket_threshold";
  }
  return "unknown";
}

std::optional<PromoType> promo_type(std::string_view name) {
  for (PromoType t : {PromoType::multibuy, PromoType::multibuy_price, PromoType::percent_off,
                      PromoType::fixed_price, PromoType::basket_threshold}) {
    if (name == to_string(t)) return t;
  }
  return std::nullopt;
}

bool Promotion::covers(const std::string& sku) const {
  return std::find(skus.begin(), skus.end(), sku) != skus.end();
}

namespace catalog {

namespace {

constexpr const char* kItemColumns = "i.sku, i.name, i.price, i.unit, i.tax_class, i.low_stock, i.age_restricted";
constexpr const char* kGtinsOf = "SELECT gtin FROM item_gtin WHERE sku = ?1 ORDER BY gtin";

// The GTINs of `sku`, in order, read with `st` (kGtinsOf) into `out`.
Status gtins_of(sql::Stmt& st, const std::string& sku, std::vector<std::string>& out) {
  out.clear();
  st.bind(1, sku);
  for (;;) {
    auto r = st.step();
    if (!r) return r.status();
    if (!*r) break;
    out.push_back(st.text(0));
  }
  st.reset();
  return Status::ok();
}

Result<std::optional<Item>> one_item(sql::Db& db, const std::string& where, const std::string& key, Gtins read_gtins) {
  auto cached_st = db.cached(std::string("SELECT ") + kItemColumns + " FROM item i " + where);
  if (!cached_st) return cached_st.status();
  sql::Stmt* st = &**cached_st;
  st->bind(1, key);
  auto row = st->step();
  if (!row) return row.status();
  if (!*row) return std::optional<Item>{};
  Item it;
  it.sku = st->text(0);
  it.name = st->text(1);
  it.price = st->int64(2);
  it.unit = st->text(3) == "kg" ? Unit::kg : Unit::each;
  it.tax_class = st->text(4);
  it.low_stock = st->int64(5);
  it.age_restricted = st->int64(6) != 0;
  if (read_gtins == Gtins::skip) return std::optional<Item>{std::move(it)};
  auto gtins = db.cached(kGtinsOf);
  if (!gtins) return gtins.status();
  if (Status s = gtins_of(**gtins, it.sku, it.gtins); !s) return s;
  return std::optional<Item>{std::move(it)};
}

}  // namespace

namespace {

// A database without the row would keep the checkout's promotions stale for
// ever: refused as corrupt, here and in promotions_version.
Status promotions_written(sql::Db& db) {
  auto st = db.cached("UPDATE catalog_version SET n = n + 1 WHERE part = 'promotions'");
  if (!st) return st.status();
  if (Status s = (*st)->run(); !s) return s;
  if (db.changes() != 1) return Status::corruption("catalog_version has no row for the promotions");
  return Status::ok();
}

// Writes `c` over what the tables hold: rows with the same key are replaced.
Status write(sql::Db& db, const Catalog& c) {
  auto tax = db.cached("INSERT OR REPLACE INTO tax_class(id, rate_bp) VALUES (?1, ?2)");
  // A statement that may write a row and then fail a foreign key keeps a
  // statement journal: each page it touches copied to a temporary file first
  // (11.6 writes an item of a 100,000-item catalog). An upsert that sets the
  // tax class, or an INSERT OR REPLACE of a GTIN, is one; so the tax class
  // changes in a statement of its own, only when it differs, and a GTIN another
  // item had is deleted before it is inserted here. An item whose GTINs are
  // as given (a price change) writes nothing to item_gtin. (`RETURNING
  // tax_class` on the upsert, to save the tax class's statement, made a
  // 100,000-item apply 20 % slower: measured, left.)
  auto item = db.cached(
      "INSERT INTO item(sku, name, price, unit, tax_class, low_stock, age_restricted) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(sku) DO UPDATE SET name = ?2, price = ?3, unit = ?4, "
      "low_stock = ?6, age_restricted = ?7");
  auto item_tax = db.cached("UPDATE item SET tax_class = ?2 WHERE sku = ?1 AND tax_class IS NOT ?2");
  auto held_gtins = db.cached(kGtinsOf);
  auto old_gtins = db.cached("DELETE FROM item_gtin WHERE sku = ?1");
  auto moved_gtin = db.cached("DELETE FROM item_gtin WHERE gtin = ?1");
  // DO NOTHING, like a plain INSERT, keeps no statement journal; a GTIN another
  // item holds is moved only when this finds it taken.
  auto gtin = db.cached("INSERT INTO item_gtin(gtin, sku) VALUES (?1, ?2) ON CONFLICT(gtin) DO NOTHING");
  auto promo = db.cached(
      "INSERT OR REPLACE INTO promotion(id, type, skus, buy, pay, qty, price, percent_bp, min_total, discount) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  for (auto* st : {&tax, &item, &item_tax, &held_gtins, &old_gtins, &moved_gtin, &gtin, &promo}) {
    if (!*st) return st->status();
  }
  for (const TaxClass& t : c.tax_classes) {
    if (Status s = (*tax)->bind(1, t.id).bind(2, t.rate_bp).run(); !s) return s;
  }
  std::vector<std::string> held, given;
  for (const Item& i : c.items) {
    (*item)->bind(1, i.sku).bind(2, i.name).bind(3, i.price).bind(4, to_string(i.unit))
        .bind(5, i.tax_class).bind(6, i.low_stock).bind(7, int64_t{i.age_restricted});
    if (Status s = (*item)->run(); !s) return s;
    if (Status s = (*item_tax)->bind(1, i.sku).bind(2, i.tax_class).run(); !s) return s;
    // GTINs the item already has as given (a price change) write nothing.
    if (Status s = gtins_of(**held_gtins, i.sku, held); !s) return s;
    given = i.gtins;
    std::sort(given.begin(), given.end());
    if (given == held) continue;
    if (!held.empty()) {
      if (Status s = (*old_gtins)->bind(1, i.sku).run(); !s) return s;
    }
    for (const std::string& g : i.gtins) {
      if (Status s = (*gtin)->bind(1, g).bind(2, i.sku).run(); !s) return s;
      if (db.changes() == 1) continue;
      if (Status s = (*moved_gtin)->bind(1, g).run(); !s) return s;  // another item had it
      if (Status s = (*gtin)->bind(1, g).bind(2, i.sku).run(); !s) return s;
    }
  }
  for (const Promotion& p : c.promotions) {
    (*promo)->bind(1, p.id).bind(2, to_string(p.type)).bind(3, nlohmann::json(p.skus).dump())
        .bind(4, p.buy).bind(5, p.pay).bind(6, p.qty).bind(7, p.price).bind(8, p.percent_bp)
        .bind(9, p.min_total).bind(10, p.discount);
    if (Status s = (*promo)->run(); !s) return s;
  }
  return c.promotions.empty() ? Status::ok() : promotions_written(db);
}

Status change_one(sql::Db& db, const std::string& sql, const std::string& key, int64_t value, const std::string& what) {
  auto st = db.cached(sql);
  if (!st) return st.status();
  (*st)->bind(1, key);
  if (sql.find("?2") != std::string::npos) (*st)->bind(2, value);
  if (Status s = (*st)->run(); !s) return s;
  if (db.changes() == 0) return Status::not_found(what + " \"" + key + "\" is not in the catalog");
  return Status::ok();
}

}  // namespace

Status replace(sql::Db& db, const Catalog& c) {
  if (Status s = db.exec("DELETE FROM promotion; DELETE FROM item_gtin; DELETE FROM item; DELETE FROM tax_class;"); !s) return s;
  if (Status s = promotions_written(db); !s) return s;
  return write(db, c);
}

Status upsert(sql::Db& db, const Catalog& c) { return write(db, c); }

Status remove_items(sql::Db& db, const std::vector<std::string>& skus) {
  for (const std::string& sku : skus) {
    auto found = db.query_int("SELECT 1 FROM item WHERE sku = ?1", sku);
    if (!found) return found.status();
    if (!*found) return Status::not_found("item \"" + sku + "\" is not in the catalog");
  }
  for (const std::string& sku : skus) {
    if (Status s = change_one(db, "DELETE FROM item WHERE sku = ?1", sku, 0, "item"); !s) return s;
  }
  return Status::ok();
}

Status set_price(sql::Db& db, const std::string& sku, int64_t price) {
  return change_one(db, "UPDATE item SET price = ?2 WHERE sku = ?1", sku, price, "item");
}

Status remove_promotion(sql::Db& db, const std::string& id) {
  if (Status s = change_one(db, "DELETE FROM promotion WHERE id = ?1", id, 0, "promotion"); !s) return s;
  return promotions_written(db);
}

Result<std::optional<Item>> by_sku(sql::Db& db, const std::string& sku, Gtins gtins) {
  return one_item(db, "WHERE i.sku = ?1", sku, gtins);
}

Result<std::optional<Item>> by_gtin(sql::Db& db, const std::string& gtin14, Gtins gtins) {
  return one_item(db, "JOIN item_gtin g ON g.sku = i.sku WHERE g.gtin = ?1", gtin14, gtins);
}

Result<bool> has_item(sql::Db& db, const std::string& sku) {
  auto v = db.query_int("SELECT 1 FROM item WHERE sku = ?1", sku);
  if (!v) return v.status();
  return v->has_value();
}

Result<int64_t> low_stock(sql::Db& db, const std::string& sku) {
  auto v = db.query_int("SELECT low_stock FROM item WHERE sku = ?1", sku);
  if (!v) return v.status();
  return v->value_or(0);
}

Result<bool> has_tax_class(sql::Db& db, const std::string& id) {
  auto v = db.query_int("SELECT 1 FROM tax_class WHERE id = ?1", id);
  if (!v) return v.status();
  return v->has_value();
}

Result<std::optional<TaxClass>> tax_class(sql::Db& db, const std::string& id) {
  auto cached_st = db.cached("SELECT id, rate_bp FROM tax_class WHERE id = ?1");
  if (!cached_st) return cached_st.status();
  sql::Stmt* st = &**cached_st;
  st->bind(1, id);
  auto row = st->step();
  if (!row) return row.status();
  if (!*row) return std::optional<TaxClass>{};
  return std::optional<TaxClass>{TaxClass{st->text(0), st->int64(1)}};
}

Result<std::vector<Promotion>> promotions(sql::Db& db) {
  auto cached_st = db.cached(
      "SELECT id, type, skus, buy, pay, qty, price, percent_bp, min_total, discount "
      "FROM promotion ORDER BY rowid");
  if (!cached_st) return cached_st.status();
  sql::Stmt* st = &**cached_st;
  std::vector<Promotion> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.status();
    if (!*row) return out;
    Promotion p;
    p.id = st->text(0);
    p.type = promo_type(st->text(1)).value_or(PromoType::multibuy);
    p.skus = nlohmann::json::parse(st->text(2)).get<std::vector<std::string>>();
    p.buy = st->int64(3);
    p.pay = st->int64(4);
    p.qty = st->int64(5);
    p.price = st->int64(6);
    p.percent_bp = st->int64(7);
    p.min_total = st->int64(8);
    p.discount = st->int64(9);
    out.push_back(std::move(p));
  }
}

Result<int64_t> promotions_version(sql::Db& db) {
  auto n = db.query_int("SELECT n FROM catalog_version WHERE part = ?1", "promotions");
  if (!n) return n.status();
  if (!*n) return Status::corruption("catalog_version has no row for the promotions");
  return **n;
}

Result<int64_t> item_count(sql::Db& db) {
  auto n = db.query_int("SELECT COUNT(*) FROM item");
  if (!n) return n.status();
  return n->value_or(0);
}

}  // namespace catalog
}  // namespace posd
