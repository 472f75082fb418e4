// Does the checkout's state agree with the journal's end? Run when the
// journal opens (Journal::Options::check_state): a journal cut behind the
// sales, returns and counters that its events made (the state still holds
// receipt 6, the journal ends before it) must not be signed on, or posd
// would reuse seqs and fork the record.
#pragma once

#include <cstdint>

#include "storage/sqlite.h"

namespace posd {

// Ok, or corruption naming the first disagreement: a row recorded at a seq
// after `head_seq`, a counter (receipt_no, return_no, z_no) that is not the
// number of the journal's last such event, or a grand total that is not the
// last Z's plus the sales, voids and returns after it. When it agrees, the
// grand total and head_seq are kept (store setting "state_checked", written
// in the caller's transaction) so that the next check starts from there.
Status check_state(sql::Db& db, uint64_t head_seq);

}  // namespace posd
