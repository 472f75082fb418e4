// One store's down-log entries as a backend reads them, in hq_seq order, up
// to the first whose stored text is corrupt (sync::check_stored_body): the
// entries before it still go to the store, and a read that starts at it
// answers corruption naming it (serve logs it once). Both backends read
// through this, one store at a time or many in one statement.
#pragma once

#include <vector>

#include "base/status.h"
#include "sync/protocol.h"

namespace posd::hq {

class DownPrefix {
 public:
  // Keeps `e` unless an entry was refused already or `e` is corrupt. False
  // from the first refused entry on: the rest of this store's rows are left.
  bool add(sync::StoredDownEntry e);
  // The entries kept; the refusal when nothing was kept before it.
  Result<std::vector<sync::StoredDownEntry>> take() &&;

 private:
  std::vector<sync::StoredDownEntry> kept_;
  Status refused_ = Status::ok();
};

}  // namespace posd::hq
