#include <iostream>
#include <string>

#include "base/ids.h"
#include "base/pin.h"
#include "checkout/state_check.h"
#include "daemon/posctl/commands.h"
#include "storage/journal.h"
#include "storage/store_tables.h"

namespace posctl {

namespace {

// One line of standard input: the PIN, never an argument (a process list
// shows arguments to everyone on the machine).
std::optional<std::string> read_pin() {
  std::string pin;
  if (!std::getline(std::cin, pin)) return std::nullopt;
  if (!pin.empty() && pin.back() == '\r') pin.pop_back();
  if (!posd::valid_pin(pin)) return std::nullopt;
  return pin;
}

// Runs `change` in a journal write of the store database `db`.
int journaled(const std::string& db, const posd::Mutation& change) {
  auto journal = posd::Journal::open({.db_path = db, .check_state = posd::check_state});
  if (!journal) return fail(journal.status().message());
  auto r = (*journal)->write(change);
  if (!r) return fail(r.status().message(), r.status().code() == posd::Status::Code::not_found ? 1 : 2);
  return 0;
}

}  // namespace

int operator_add(const OperatorArgs& a) {
  if (!posd::valid_id(a.id, 32)) return fail("--id: must be 1 to 32 letters, digits, '-', '_' or '.'", 1);
  if (a.name.empty() || a.name.size() > 64) return fail("--name: must be 1 to 64 bytes", 1);
  auto pin = read_pin();
  if (!pin) return fail("the PIN (one line on standard input) must be 4 to 8 digits", 1);
  const posd::operators::Row row{a.id, a.name, a.role, posd::hash_pin(*pin), "posctl"};
  if (int rc = journaled(a.db, [&](posd::WriteContext& ctx) -> posd::Result<std::vector<posd::Entry>> {
        if (posd::Status s = posd::operators::put(ctx.db, row); !s) return s;
        return std::vector<posd::Entry>{{"operator_provisioned", {{"operator", a.id}, {"name", a.name}, {"role", a.role}, {"source", "posctl"}}}};
      });
      rc != 0) {
    return rc;
  }
  std::cout << "operator " << a.id << " (" << a.role << ") provisioned; posd knows them from their next sign-on\n";
  return 0;
}

int operator_remove(const OperatorArgs& a) {
  return journaled(a.db, [&](posd::WriteContext& ctx) -> posd::Result<std::vector<posd::Entry>> {
    auto removed = posd::operators::remove(ctx.db, a.id);
    if (!removed) return removed.status();
    if (!*removed) return posd::Status::not_found("no operator has the id " + a.id);
    return std::vector<posd::Entry>{{"operator_removed", {{"operator", a.id}, {"source", "posctl"}}}};
  });
}

int operator_list(const OperatorArgs& a) {
  auto db = posd::sql::Db::open(a.db, posd::sql::Db::Mode::read_only);
  if (!db) return fail(db.status().message());
  auto rows = posd::operators::all(*db);
  if (!rows) return fail(rows.status().message());
  for (const auto& r : *rows) {
    std::cout << nlohmann::json{{"id", r.id}, {"name", r.name}, {"role", r.role}, {"source", r.source},
                                {"wrong_pins", r.failed}, {"locked_until_ms", r.locked_until}}.dump()
              << "\n";
  }
  return 0;
}

int operator_hash_pin() {
  auto pin = read_pin();
  if (!pin) return fail("the PIN (one line on standard input) must be 4 to 8 digits", 1);
  std::cout << posd::hash_pin(*pin) << "\n";
  return 0;
}

}  // namespace posctl
