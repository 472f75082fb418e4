#include "checkout/tender.h"

namespace posd {

const TenderRules* tender_named(std::string_view name) {
  for (const TenderRules& r : tender_types()) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

const TenderRules* offered_tender(std::string_view name) {
  const TenderRules* r = tender_named(name);
  return r && r->offered ? r : nullptr;
}

const TenderRules& rules_of(TenderType type) {
  for (const TenderRules& r : tender_types()) {
    if (r.type == type) return r;
  }
  return tender_types().front();  // unreachable: every enumerator has its row (tender_test checks)
}

std::string tender_names() {
  std::string out;
  for (const TenderRules& r : tender_types()) {
    if (r.offered) out += (out.empty() ? "" : ", ") + std::string(r.name);
  }
  return out;
}

}  // namespace posd
