#include "hq/down_prefix.h"

namespace posd::hq {

bool DownPrefix::add(sync::StoredDownEntry e) {
  if (!refused_) return false;
  if (Status s = sync::check_stored_body(e); !s) {
    refused_ = std::move(s);
    return false;
  }
  kept_.push_back(std::move(e));
  return true;
}

Result<std::vector<sync::StoredDownEntry>> DownPrefix::take() && {
  if (kept_.empty() && !refused_) return refused_;
  return std::move(kept_);
}

}  // namespace posd::hq
