// A DSFinV-K export (fiscal/dsfinvk_tables.h) made from the journal's events
// alone, so that anyone holding an export can make it again: one closing
// (Kassenabschluss) per Z, holding the transactions journaled since the Z
// before it. A sale is a Beleg, a void a Beleg with BON_STORNO 1 and a
// reference to the sale, a return a Beleg with negative amounts and a
// reference to its receipt, a cancelled or abandoned basket an
// AVBelegabbruch. The journal's event seq is each transaction's TSE
// transaction and signature counter, and its Ed25519 signature stands where
// a certified TSE's would (docs/fiscal.md says what certification still needs).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "storage/event.h"

namespace posd::dsfinvk {

// The business, as the closings' master data (Stamm_Abschluss, Stamm_Orte).
struct Master {
  std::string name;
  std::string street;
  std::string postcode;
  std::string city;
  std::string country;  // ISO 3166 alpha-3: "DEU"
  std::string tax_number;
  std::string vat_id;
  // {"name", "street", "postcode", "city", "country", "tax_number", "vat_id"}:
  // every one but one of tax_number and vat_id is needed; the error names the field.
  static Result<Master> from_json(const nlohmann::json& j);
};

struct Options {
  std::string software_version;
  int64_t z_from = 1;  // the closings exported, by Z number
  int64_t z_to = 0;    // 0: to the last
};

struct Tables {
  std::map<std::string, std::vector<std::vector<std::string>>> rows;  // by file
  int64_t closings = 0;
  int64_t transactions = 0;
};

class Builder {
 public:
  Builder(Master master, Options options);
  ~Builder();
  // Every event of the journal, in seq order from the genesis. A record it
  // cannot read is corruption naming its seq.
  Status add(const Event& e);
  Tables finish();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Writes each table's CSV and index.xml into `dir`, which must not exist yet.
Status write(const Tables& t, const std::string& dir, const Master& supplier);

}  // namespace posd::dsfinvk
