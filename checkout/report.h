// The X and Z figures of a report period: sales and returns counted, money
// per tender type and per tax rate, and the grand total that never resets.
// Pure: the rows come in, the figures go out.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "checkout/records.h"

namespace posd {

nlohmann::json report_figures(const std::vector<Sale>& sales, const std::vector<Return>& returns, int64_t period,
                              int64_t grand_total);

}  // namespace posd
