#include <iostream>

#include "daemon/posctl/commands.h"
#include "checkout/state_check.h"
#include "storage/cursor.h"
#include "sync/outbox.h"

namespace posctl {

int sync_rewind(const SyncRewindArgs& a) {
  auto journal = posd::Journal::open({.db_path = a.db, .check_state = posd::check_state});
  if (!journal) {
    std::cerr << "posctl: " << journal.status().message() << "\n";
    return 2;
  }
  auto r = (*journal)->write(posd::sync::Outbox::request_rewind(a.seq));
  if (!r) {
    std::cerr << "posctl: " << r.status().message() << "\n";
    return 2;
  }
  std::cout << "HQ will be sent the journal again from seq " << a.seq + 1
            << ": posd does it within a moment while it runs, or when it next starts\n";
  return 0;
}

}  // namespace posctl
