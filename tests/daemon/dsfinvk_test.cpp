// The DSFinV-K export of a real store's journal: every table of the
// specification with its columns in the specification's order (the lists
// below are typed from the DSFinV-K 2.3 specification, not taken from our
// code), an index.xml that describes exactly those files, and figures that
// agree with each other and with the store's Zs.
#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <fstream>
#include <set>
#include <regex>
#include <sstream>

#include "base/digest.h"
#include "storage/journal.h"
#include "tests/daemon/node.h"
#include "tests/support/process.h"

using namespace posd;
using json = nlohmann::json;

namespace {


// DSFinV-K 2.3, the cash-register export's files and their columns.
const std::map<std::string, std::string> kSpec = {
    {"lines.csv", "BON_ID POS_ZEILE GUTSCHEIN_NR ARTIKELTEXT POS_TERMINAL_ID GV_TYP GV_NAME INHAUS P_STORNO AGENTUR_ID "
                  "ART_NR GTIN WARENGR_ID WARENGR MENGE FAKTOR EINHEIT STK_BR"},
    {"lines_vat.csv", "BON_ID POS_ZEILE UST_SCHLUESSEL POS_BRUTTO POS_NETTO POS_UST"},
    {"subitems.csv", "BON_ID POS_ZEILE ZI_ART_NR ZI_GTIN ZI_NAME ZI_WARENGR_ID ZI_WARENGR ZI_MENGE ZI_FAKTOR ZI_EINHEIT "
                     "ZI_UST_SCHLUESSEL ZI_BASISPREIS_BRUTTO ZI_BASISPREIS_NETTO ZI_BASISPREIS_UST"},
    {"itemamounts.csv", "BON_ID POS_ZEILE TYP PF_BRUTTO PF_NETTO PF_UST"},
    {"transactions.csv", "BON_ID BON_NR BON_TYP BON_NAME TERMINAL_ID BON_STORNO BON_START BON_ENDE BEDIENER_ID "
                         "BEDIENER_NAME UMS_BRUTTO KUNDE_NAME KUNDE_ID KUNDE_TYP KUNDE_STRASSE KUNDE_PLZ KUNDE_ORT "
                         "KUNDE_LAND KUNDE_USTID BON_NOTIZ"},
    {"transactions_vat.csv", "BON_ID UST_SCHLUESSEL BON_BRUTTO BON_NETTO BON_UST"},
    {"allocation_groups.csv", "BON_ID ABRECHNUNGSKREIS"},
    {"datapayment.csv", "BON_ID ZAHLART_TYP ZAHLART_NAME ZAHLWAEH_CODE ZAHLWAEH_BETRAG BASISWAEH_BETRAG"},
    {"references.csv", "BON_ID POS_ZEILE REF_TYP REF_NAME REF_DATUM REF_KASSE_ID REF_Z_NR REF_BON_ID"},
    {"transactions_tse.csv", "BON_ID TSE_ID TSE_TANR TSE_TA_START TSE_TA_ENDE TSE_TA_VORGANGSART TSE_TA_SIGZ TSE_TA_SIG "
                             "TSE_TA_FEHLER TSE_TA_VORGANGSDATEN"},
    {"cashpointclosing.csv", "Z_BUCHUNGSTAG TAXONOMIE_VERSION Z_START_ID Z_ENDE_ID NAME STRASSE PLZ ORT LAND STNR USTID "
                             "Z_SE_ZAHLUNGEN Z_SE_BARZAHLUNGEN"},
    {"location.csv", "LOC_NAME LOC_STRASSE LOC_PLZ LOC_ORT LOC_LAND LOC_USTID"},
    {"cashregister.csv", "KASSE_BRAND KASSE_MODELL KASSE_SERIENNR KASSE_SW_BRAND KASSE_SW_VERSION KASSE_BASISWAEH_CODE "
                         "KEINE_UST_ZUORDNUNG"},
    {"slaves.csv", "TERMINAL_ID TERMINAL_BRAND TERMINAL_MODELL TERMINAL_SERIENNR TERMINAL_SW_BRAND TERMINAL_SW_VERSION"},
    {"pa.csv", "AGENTUR_ID AGENTUR_NAME AGENTUR_STRASSE AGENTUR_PLZ AGENTUR_ORT AGENTUR_LAND AGENTUR_STNR AGENTUR_USTID"},
    {"vat.csv", "UST_SCHLUESSEL UST_SATZ UST_BESCHR"},
    {"tse.csv", "TSE_ID TSE_SERIAL TSE_SIG_ALGO TSE_ZEITFORMAT TSE_PD_ENCODING TSE_PUBLIC_KEY TSE_ZERTIFIKAT_I "
                "TSE_ZERTIFIKAT_II"},
    {"businesscases.csv", "GV_TYP GV_NAME AGENTUR_ID UST_SCHLUESSEL Z_UMS_BRUTTO Z_UMS_NETTO Z_UMS_UST"},
    {"payment.csv", "ZAHLART_TYP ZAHLART_NAME Z_ZAHLART_BETRAG"},
    {"cash_per_currency.csv", "ZAHLART_WAEH ZAHLART_BETRAG_WAEH"},
};

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out = {"Z_KASSE_ID", "Z_ERSTELLUNG", "Z_NR"};
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

using Row = std::map<std::string, std::string>;
struct Csv {
  std::vector<std::string> header;
  std::vector<Row> rows;
};

// RFC 4180 with ";" and CRLF: quoted fields may hold ";" and doubled quotes.
Csv parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ';') {
      fields.push_back(field), field.clear();
    } else if (c == '\r') {
      REQUIRE(i + 1 < text.size());
      REQUIRE(text[i + 1] == '\n');
      fields.push_back(field), field.clear();
      records.push_back(fields), fields.clear();
      ++i;
    } else {
      REQUIRE(c != '\n');  // records end in CRLF only
      field += c;
    }
  }
  REQUIRE(field.empty());
  REQUIRE(fields.empty());
  REQUIRE_FALSE(records.empty());
  Csv out{records[0], {}};
  for (size_t r = 1; r < records.size(); ++r) {
    REQUIRE(records[r].size() == out.header.size());
    Row row;
    for (size_t i = 0; i < out.header.size(); ++i) row[out.header[i]] = records[r][i];
    out.rows.push_back(row);
  }
  return out;
}

// "12.34" or "-0.50000" → minor units (the decimals past the second must be 0).
int64_t minor(const std::string& s) {
  static const std::regex number(R"((-?)(\d+)\.(\d\d)(0*))");
  std::smatch m;
  INFO(s);
  REQUIRE(std::regex_match(s, m, number));
  const int64_t v = std::stoll(m[2].str()) * 100 + std::stoll(m[3].str());
  return m[1].str() == "-" ? -v : v;
}

std::map<std::string, Csv> read_export(const std::string& dir) {
  std::map<std::string, Csv> out;
  for (const auto& [file, columns] : kSpec) {
    INFO(file);
    out[file] = parse_csv(read(dir + "/" + file));
    CHECK(out[file].header == words(columns));
  }
  return out;
}

void sell(const test::Lane& lane, const std::vector<std::string>& codes, bool card = false) {
  const std::string id = lane.open_basket();
  lane.scan(id, codes);
  if (card) {
    const int64_t due = lane.get("/v1/baskets/" + id).json()["due"];
    REQUIRE(lane.post("/v1/baskets/" + id + "/tenders",
                      {{"type", "card"}, {"amount", due}, {"approval_ref", "A1"}, {"masked_pan", "************4242"}})
                .status == 200);
    REQUIRE(lane.post("/v1/baskets/" + id + "/complete").status == 200);
  } else {
    REQUIRE(lane.pay_cash_and_complete(id).status == 200);
  }
}

}  // namespace

TEST_CASE("the DSFinV-K export: the specification's tables and columns, an index.xml of them, and figures that agree", "[fiscal][journal]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);

  sell(lane, {"BREAD", "BREAD", "WINE-RED"});       // receipt 1: 5.5 % and 20 %
  sell(lane, {"COFFEE-500", "APPLES@500"}, true);    // receipt 2, by card, then voided
  REQUIRE(lane.post("/v1/sales/2/void", nullptr, test::kSupervisorOverride).status == 200);
  REQUIRE(lane.post("/v1/returns", {{"receipt_no", 1}, {"lines", {{{"line", 1}, {"qty", 1}}}}}).status == 201);
  const std::string cancelled = lane.open_basket();
  lane.scan(cancelled, {"PEN-RED"});
  REQUIRE(lane.del("/v1/baskets/" + cancelled).status == 200);
  // What posd journals of a basket it could not read back: its id alone.
  REQUIRE(node.journal().append(Entry{"basket_abandoned", {{"id", "unreadable-1"}, {"terminal", "lane-1"}, {"reason", "lost"}}}));
  const json z1 = lane.post("/v1/reports/z", nullptr, test::kSupervisorOverride).json();
  sell(lane, {"MILK-1L"});                           // receipt 3
  const json z2 = lane.post("/v1/reports/z", nullptr, test::kSupervisorOverride).json();
  sell(lane, {"PEN-BLUE"});                          // receipt 4: the open period, not exported

  const std::string master = node.dir().file("master.json");
  test::write_text(master, json({{"name", "Kaufhaus \"Süd\"; Filiale 1"}, {"street", "Hauptstraße 1"}, {"postcode", "10115"},
                                 {"city", "Berlin"}, {"country", "DEU"}, {"tax_number", "30/123/45678"},
                                 {"vat_id", "DE123456789"}}).dump());
  const std::string dir = node.dir().file("dsfinvk");
  auto made = test::run({test::bin("posctl"), "journal", "dsfinvk", "--db", node.db_path(), "--master", master, "--to", dir});
  INFO(made.out + made.err);
  REQUIRE(made.exit_code == 0);
  CHECK_THAT(made.out, Catch::Contains("ok 2 closings, 7 transactions"));
  auto t = read_export(dir);

  SECTION("index.xml describes exactly these files, each with the columns its CSV has") {
    const std::string xml = read(dir + "/index.xml");
    if (test::run({"sh", "-c", "command -v xmllint"}).exit_code == 0) {
      auto lint = test::run({"xmllint", "--noout", dir + "/index.xml"});
      INFO(lint.err);
      CHECK(lint.exit_code == 0);
    }
    const std::regex table_re(R"(<Table>([\s\S]*?)</Table>)");
    const std::regex url_re(R"(<URL>([^<]+)</URL>)");
    const std::regex name_re(R"(<Variable(?:PrimaryKey|Column)>\s*<Name>([^<]+)</Name>)");
    std::set<std::string> described;
    for (auto it = std::sregex_iterator(xml.begin(), xml.end(), table_re); it != std::sregex_iterator(); ++it) {
      const std::string body = (*it)[1];
      std::smatch url;
      REQUIRE(std::regex_search(body, url, url_re));
      std::vector<std::string> columns;
      for (auto c = std::sregex_iterator(body.begin(), body.end(), name_re); c != std::sregex_iterator(); ++c) columns.push_back((*c)[1]);
      INFO(url[1].str());
      REQUIRE(kSpec.count(url[1]));
      CHECK(columns == words(kSpec.at(url[1])));
      described.insert(url[1]);
    }
    CHECK(described.size() == kSpec.size());
  }

  SECTION("one closing per Z, its payments the Z's net, its sums those of its transactions") {
    const auto& closings = t["cashpointclosing.csv"].rows;
    REQUIRE(closings.size() == 2);
    CHECK(closings[0].at("Z_NR") == "1");
    CHECK(closings[0].at("Z_KASSE_ID") == "TEST-1");
    CHECK(closings[0].at("NAME") == "Kaufhaus \"Süd\"; Filiale 1");
    CHECK(closings[0].at("TAXONOMIE_VERSION") == "2.3");
    CHECK(closings[0].at("Z_BUCHUNGSTAG") == z1["business_day"]);
    CHECK(minor(closings[0].at("Z_SE_ZAHLUNGEN")) == z1["net_total"].get<int64_t>());
    CHECK(minor(closings[1].at("Z_SE_ZAHLUNGEN")) == z2["net_total"].get<int64_t>());
    for (const json& tender : z1["tenders"]) {
      if (tender["type"] == "cash") CHECK(minor(closings[0].at("Z_SE_BARZAHLUNGEN")) == tender["net"].get<int64_t>());
    }
    for (const Row& z : closings) {
      const std::string nr = z.at("Z_NR");
      int64_t paid = 0, receipts_gross = 0, cases_gross = 0, by_type = 0;
      std::map<std::string, int64_t> bon_gross, vat_gross, line_vat_gross;
      for (const Row& b : t["transactions.csv"].rows) {
        if (b.at("Z_NR") != nr) continue;
        bon_gross[b.at("BON_ID")] = minor(b.at("UMS_BRUTTO"));
        if (b.at("BON_TYP") == "Beleg") receipts_gross += minor(b.at("UMS_BRUTTO"));
      }
      for (const Row& p : t["datapayment.csv"].rows) {
        if (p.at("Z_NR") == nr) paid += minor(p.at("BASISWAEH_BETRAG"));
      }
      for (const Row& v : t["transactions_vat.csv"].rows) {
        if (v.at("Z_NR") == nr) vat_gross[v.at("BON_ID")] += minor(v.at("BON_BRUTTO"));
      }
      for (const Row& v : t["lines_vat.csv"].rows) {
        if (v.at("Z_NR") == nr) line_vat_gross[v.at("BON_ID")] += minor(v.at("POS_BRUTTO"));
        CHECK(minor(v.at("POS_BRUTTO")) == minor(v.at("POS_NETTO")) + minor(v.at("POS_UST")));
      }
      for (const Row& c : t["businesscases.csv"].rows) {
        if (c.at("Z_NR") == nr) cases_gross += minor(c.at("Z_UMS_BRUTTO"));
      }
      for (const Row& p : t["payment.csv"].rows) {
        if (p.at("Z_NR") == nr) by_type += minor(p.at("Z_ZAHLART_BETRAG"));
      }
      CHECK(paid == minor(z.at("Z_SE_ZAHLUNGEN")));
      CHECK(by_type == paid);
      CHECK(cases_gross == receipts_gross);
      for (const auto& b : bon_gross) {  // a Bon with no lines has no VAT rows: 0
        vat_gross[b.first];
        line_vat_gross[b.first];
      }
      CHECK(vat_gross == bon_gross);
      CHECK(line_vat_gross == bon_gross);
    }
  }

  SECTION("each kind of transaction as the specification has it") {
    std::map<std::string, Row> bons;
    for (const Row& b : t["transactions.csv"].rows) bons[b.at("BON_ID")] = b;
    REQUIRE(bons.size() == 7);
    CHECK(bons.at("basket-unreadable-1").at("BON_TYP") == "AVBelegabbruch");
    CHECK(minor(bons.at("basket-unreadable-1").at("UMS_BRUTTO")) == 0);
    CHECK(bons.at("receipt-1").at("BON_TYP") == "Beleg");
    CHECK(minor(bons.at("receipt-1").at("UMS_BRUTTO")) == 2 * 289 + 899);
    CHECK(bons.at("void-2").at("BON_STORNO") == "1");
    CHECK(minor(bons.at("void-2").at("UMS_BRUTTO")) == -minor(bons.at("receipt-2").at("UMS_BRUTTO")));
    CHECK(minor(bons.at("return-1").at("UMS_BRUTTO")) == -289);
    CHECK(bons.at("basket-" + cancelled).at("BON_TYP") == "AVBelegabbruch");
    CHECK(bons.at("receipt-3").at("Z_NR") == "2");
    CHECK_FALSE(bons.count("receipt-4"));  // after the last Z

    std::map<std::string, Row> refs;
    for (const Row& r : t["references.csv"].rows) refs[r.at("BON_ID")] = r;
    CHECK(refs.at("return-1").at("REF_BON_ID") == "receipt-1");
    CHECK(refs.at("return-1").at("REF_Z_NR") == "1");
    CHECK(refs.at("void-2").at("REF_BON_ID") == "receipt-2");

    // Tax keys: 5.5 % is the specification's key 4; 20 % is none of its rates.
    std::map<std::string, std::string> rates;
    for (const Row& v : t["vat.csv"].rows) rates[v.at("UST_SCHLUESSEL")] = v.at("UST_SATZ");
    CHECK(rates.at("4") == "5.50");
    CHECK(rates.at("1000") == "20.00");

    std::vector<Row> lines;
    for (const Row& l : t["lines.csv"].rows) {
      if (l.at("BON_ID") == "receipt-2") lines.push_back(l);
    }
    REQUIRE(lines.size() == 2);
    CHECK(lines[1].at("ART_NR") == "APPLES");
    CHECK(lines[1].at("MENGE") == "0.500");
    CHECK(lines[1].at("EINHEIT") == "kg");
    CHECK(lines[1].at("STK_BR") == "3.49000");

    // The journal's seq and signature stand as the TSE's transaction and signature.
    auto db = sql::Db::open(node.db_path(), sql::Db::Mode::read_only);
    for (const Row& r : t["transactions_tse.csv"].rows) {
      auto st = db->prepare("SELECT signature FROM journal WHERE seq = ?1");
      st->bind(1, std::stoll(r.at("TSE_TANR")));
      REQUIRE(*st->step());
      const std::string raw = from_hex(st->text(0)).value();
      std::string encoded(89, '\0');
      encoded.resize(static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                                         reinterpret_cast<const unsigned char*>(raw.data()), 64)));
      CHECK(r.at("TSE_TA_SIG") == encoded);
      CHECK(r.at("TSE_TA_SIGZ") == r.at("TSE_TANR"));
      CHECK(bons.at(r.at("BON_ID")).at("BON_NR") == r.at("TSE_TANR"));
    }
    // Process data as a TSE would sign it: type ^ gross by the five standard rates ^ payments.
    for (const Row& r : t["transactions_tse.csv"].rows) {
      if (r.at("BON_ID") == "receipt-1") CHECK(r.at("TSE_TA_VORGANGSDATEN") == "Beleg^0.00_0.00_0.00_5.78_0.00^14.77:Bar");
    }
    CHECK(t["tse.csv"].rows[0].at("TSE_SIG_ALGO") == "Ed25519");
  }

  SECTION("a range of closings, bad master data, an existing directory") {
    const std::string only2 = node.dir().file("z2");
    REQUIRE(test::run({test::bin("posctl"), "journal", "dsfinvk", "--db", node.db_path(), "--master", master, "--to", only2,
                       "--z-from", "2"}).exit_code == 0);
    auto t2 = read_export(only2);
    REQUIRE(t2["cashpointclosing.csv"].rows.size() == 1);
    CHECK(t2["transactions.csv"].rows.size() == 1);

    auto again = test::run({test::bin("posctl"), "journal", "dsfinvk", "--db", node.db_path(), "--master", master, "--to", dir});
    CHECK(again.exit_code == 2);
    CHECK_THAT(again.err, Catch::Contains("exists"));

    test::write_text(master, json({{"name", "X"}, {"street", "Y"}, {"postcode", "1"}, {"city", "Z"}, {"country", "Germany"},
                                   {"vat_id", "DE1"}}).dump());
    auto bad = test::run({test::bin("posctl"), "journal", "dsfinvk", "--db", node.db_path(), "--master", master, "--to",
                          node.dir().file("bad")});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, Catch::Contains("country: ISO 3166 alpha-3"));
  }
}
