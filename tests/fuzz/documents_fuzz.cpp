// libFuzzer target for the documents an operator or HQ hands posd: the
// configuration and the catalog. Any bytes: a precise error or a valid
// result, never a crash, and an error message that is encodable text.
#include <cstddef>
#include <cstdint>

#include "daemon/config.h"
#include "storage/catalog_json.h"
#include "base/json_fields.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  auto config = posd::parse_config(j);
  if (!config) (void)posd::to_json_text(config.status().message());
  auto catalog = posd::parse_catalog(j);
  if (!catalog) (void)posd::to_json_text(catalog.status().message());
  return 0;
}
