// What the HqStore tests share: an HQ database opened (the test fails with
// the reason when it cannot be), and a journal's events from a seq on, as
// the store sends them.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "hq/store.h"
#include "storage/journal.h"
#include "storage/sqlite.h"

namespace posd::test {

inline std::unique_ptr<hq::HqStore> open_hq(const std::string& url) {
  auto store = hq::open_store(url);
  INFO((store ? "" : store.status().message()));
  REQUIRE(store);
  return std::move(*store);
}

inline sync::JournalBatch events_from(Journal& j, uint64_t from) {
  auto db = sql::Db::open(j.db_path(), sql::Db::Mode::read_only);
  REQUIRE(db);
  sync::JournalBatch b{j.store_id(), {}};
  REQUIRE(scan_journal(*db, from, [&](const Event& e) {
    b.events.push_back(e);
    return Status::ok();
  }));
  return b;
}

}  // namespace posd::test
