// The ways a customer pays, and every rule that differs between them, in one
// table (kTenderTypes below). Adding a tender type is its enumerator and row
// here, the lane's list (daemon/web/lane_actions.js), docs/openapi.yaml and a
// row in tests/checkout/tender_test.cpp (docs/architecture.md).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace posd {

enum class TenderType { cash, card, voucher, exchange };

struct TenderRules {
  TenderType type;
  std::string_view name;       // as the API, the journal and the lane spell it
  std::string_view reference;  // the field it must carry ("approval_ref", "code"), empty for none
  bool masked_pan;             // carries the card's masked number (never the full one)
  bool gives_change;           // may exceed what is due (change is given); others pay at most the due
  bool rounds;                 // the store's cash rounding applies to it
  bool opens_drawer;           // taking it at a sale opens the cash drawer
  int refund_order;            // a refund with no tender named goes back to the sale's tenders in this order
  bool offered;                // a lane may pay with it or name it for a refund; the others only posd makes
};

// Every tender type, in the order the lane offers them.
// "exchange" is the credit of the lines a customer brought back in the same
// basket (an exchange): the new sale's tender and the return's, the same
// amount, so it nets to 0 in every report. A later refund of what it paid
// goes back as cash.
//  type                 name       reference       masked_pan change rounds drawer refund_order offered
inline constexpr TenderRules kTenderTypes[] = {
    {TenderType::cash, "cash", "", false, true, true, true, 3, true},
    {TenderType::card, "card", "approval_ref", true, false, false, false, 1, true},
    {TenderType::voucher, "voucher", "code", false, false, false, false, 2, true},
    {TenderType::exchange, "exchange", "", false, false, false, false, 4, false},
};
inline constexpr std::span<const TenderRules> tender_types() { return kTenderTypes; }
// The rules of one type; nullptr for a name that is none.
const TenderRules* tender_named(std::string_view name);
// The same, for what a lane names: nullptr for a type it may not (exchange).
const TenderRules* offered_tender(std::string_view name);
const TenderRules& rules_of(TenderType type);
// "cash, card, voucher": the offered ones, for error messages.
std::string tender_names();

}  // namespace posd
