#include <iostream>

#include "storage/catalog_json.h"
#include "checkout/state_check.h"
#include "checkout/checkout.h"
#include "storage/catalog.h"
#include "daemon/posctl/commands.h"
#include "base/digest.h"
#include "base/file_text.h"
#include "base/json_text.h"
#include "storage/journal.h"

namespace posctl {

int catalog_import(const CatalogImportArgs& a) {
  auto text = posd::read_file(a.file);  // a 15 MB catalog read once, not copied through a stream
  if (!text) {
    std::cerr << "posctl: " << text.status().message() << "\n";
    return 2;
  }
  auto doc = posd::parse_json(*text);  // a key given twice is refused, as everywhere
  if (!doc) {
    std::cerr << "posctl: " << a.file << ": " << doc.status().message() << "\n";
    return 1;
  }
  auto catalog = posd::parse_catalog(*doc);
  if (!catalog) {
    std::cerr << "posctl: " << a.file << ": " << catalog.status().message() << "\n";
    return 1;
  }
  auto journal = posd::Journal::open({.db_path = a.db, .store_id = a.store, .check_state = posd::check_state});
  if (!journal) {
    std::cerr << "posctl: " << journal.status().message() << "\n";
    return 2;
  }
  const std::string digest = posd::to_hex(posd::sha256(*text));
  auto r = (*journal)->write([&](posd::WriteContext& ctx) -> posd::Result<std::vector<posd::Entry>> {
    if (posd::Status s = posd::catalog::replace(ctx.db, *catalog); !s) return s;
    return std::vector<posd::Entry>{{"catalog_imported",
                                     {{"source", "posctl"},
                                      {"sha256", digest},
                                      {"tax_classes", catalog->tax_classes.size()},
                                      {"items", catalog->items.size()},
                                      {"promotions", catalog->promotions.size()}}}};
  });
  if (!r) {
    std::cerr << "posctl: import failed, nothing changed: " << r.status().message() << "\n";
    return 2;
  }
  std::cout << "imported " << catalog->items.size() << " items, " << catalog->tax_classes.size()
            << " tax classes, " << catalog->promotions.size() << " promotions at seq " << r->first_seq << "\n";
  return 0;
}

}  // namespace posctl

namespace posctl {

int stock_receive(const StockReceiveArgs& a) {
  auto journal = posd::Journal::open({.db_path = a.db, .check_state = posd::check_state});
  if (!journal) {
    std::cerr << "posctl: " << journal.status().message() << "\n";
    return 2;
  }
  posd::Outcome outcome;
  auto r = (*journal)->write([&](posd::WriteContext& ctx) -> posd::Result<std::vector<posd::Entry>> {
    auto item = posd::catalog::by_sku(ctx.db, a.sku);
    if (!item) return item.status();
    if (!*item) return posd::Status::not_found("no item has the SKU " + a.sku);
    std::vector<posd::Entry> entries;
    outcome = posd::record_stock_movement(ctx, entries, {a.sku, posd::MovementType::receive, a.qty, a.reason}, "posctl");
    if (!outcome.ok()) return posd::Status::invalid_argument(outcome.body.dump());
    return entries;
  });
  if (!r) {
    std::cerr << "posctl: " << r.status().message() << "\n";
    return r.status().code() == posd::Status::Code::not_found ? 1 : 2;
  }
  std::cout << a.sku << " on hand " << outcome.body["on_hand"] << " at seq " << r->first_seq << "\n";
  return 0;
}

}  // namespace posctl
