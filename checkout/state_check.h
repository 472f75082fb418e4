// Does the checkout's state agree with the journal's end? Run when the
// journal opens (Journal::Options::check_state): a journal cut behind the
// sales, returns and counters that its events made (the state still holds
// receipt 6, the journal ends before it) must not be signed on, or posd
// would reuse seqs and fork the record.
#pragma once

#include <cstdint>

#include "storage/sqlite.h"
#include "storage/store_key.h"

namespace posd {

// Ok, or corruption naming the first disagreement: a row recorded at a seq
// after `head_seq`, a counter (receipt_no, return_no, z_no) that is not the
// number of the journal's last such event, or a grand total that is not the
// last Z's plus the sales, voids and returns after it.
// With `key` (the journal's own check at open): the sum starts from the mark
// the last agreeing check left, when the key signed it and it is later than
// the last Z (a signed mark beyond the journal's end, or naming another
// event at its seq, is a disagreement); and an agreeing check leaves a new
// mark (store setting "state_checked", in the caller's transaction, only
// when it can be written). Without, the whole sum from the last Z.
Status check_state(sql::Db& db, uint64_t head_seq, const StoreKey* key = nullptr);

}  // namespace posd
