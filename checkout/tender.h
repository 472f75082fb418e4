// The ways a customer pays, and every rule that differs between them, in one
// table (tender.cpp). Adding a tender type is adding its row there, to the
// lane's list (daemon/web/lane_actions.js) and to docs/openapi.yaml.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace posd {

enum class TenderType { cash, card, voucher };

struct TenderRules {
  TenderType type;
  std::string_view name;       // as the API, the journal and the lane spell it
  std::string_view reference;  // the field it must carry ("approval_ref", "code"), empty for none
  bool masked_pan;             // carries the card's masked number (never the full one)
  bool gives_change;           // may exceed what is due (change is given); others pay at most the due
  bool rounds;                 // the store's cash rounding applies to it
  bool opens_drawer;           // taking it at a sale opens the cash drawer
  int refund_order;            // a refund with no tender named goes back to the sale's tenders in this order
};

// Every tender type, in the order the lane offers them.
const std::vector<TenderRules>& tender_types();
// The rules of one type; nullptr for a name that is none.
const TenderRules* tender_named(std::string_view name);
const TenderRules& rules_of(TenderType type);
// "cash, card, voucher": for error messages.
std::string tender_names();

}  // namespace posd
