#include <algorithm>
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

#include "daemon/posctl/commands.h"
#include "base/json_fields.h"
#include "barcode/barcode.h"
#include "barcode/variable_measure.h"

namespace posctl {

int barcode(const BarcodeArgs& a) {
  namespace bc = posd::barcode;
  const auto regions = bc::measure_regions();
  if (!a.region.empty() && std::find(regions.begin(), regions.end(), a.region) == regions.end()) {
    std::cerr << "posctl: no variable-measure scheme for region \"" << a.region << "\"\n";
    return 2;
  }
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  bc::Scan s = bc::read_scan(a.data, {.region = a.region, .minor_digits = 2, .this_year = utc.tm_year + 1900});
  auto optional = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json out = {{"valid", s.valid},
                        {"symbology", s.symbology},
                        {"gtin", optional(s.gtin)},
                        {"ais", s.ais},
                        {"price_minor", optional(s.price_minor)},
                        {"weight_g", optional(s.weight_g)},
                        {"error", s.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.error)}};
  std::cout << posd::to_json_text(out) << "\n";  // AIs of bytes that are not text come out as U+FFFD
  return s.valid ? 0 : 1;
}

}  // namespace posctl
