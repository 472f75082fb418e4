#include "base/role_limits.h"

#include "base/json_fields.h"

namespace posd {

void read_role_limits(const nlohmann::json& j, const std::string& path, RoleLimitSet& into) {
  Fields f(j, path);
  for (auto [name, limits] : {std::pair{"cashier", &into.cashier}, std::pair{"supervisor", &into.supervisor},
                              std::pair{"manager", &into.manager}}) {
    const nlohmann::json* one = f.find(name, false);
    if (!one) continue;
    Fields r(*one, f.child(name));
    limits->max_discount_bp = r.optional_integer("max_discount_bp", 0, 10000).value_or(limits->max_discount_bp);
    limits->max_refund_without_receipt =
        r.optional_integer("max_refund_without_receipt", 0, 100'000'000'000).value_or(limits->max_refund_without_receipt);
    limits->no_sale = r.boolean("no_sale", limits->no_sale);
    limits->close_day = r.boolean("close_day", limits->close_day);
    r.no_unknown_keys();
  }
  f.no_unknown_keys();
}

}  // namespace posd
