#include "fiscal/dsfinvk_tables.h"

#include <stdexcept>

namespace posd::dsfinvk {

namespace {

using K = Column::Kind;

Column text(const char* n) { return {n, K::text, 0, ""}; }
Column num(const char* n, int accuracy = 0) { return {n, K::number, accuracy, ""}; }
Column stamp(const char* n) { return {n, K::date, 0, "YYYY-MM-DD\"T\"hh:mm:ss"}; }
Column day(const char* n) { return {n, K::date, 0, "YYYY-MM-DD"}; }

// Every table starts with the closing it belongs to.
std::vector<Column> with_z(std::vector<Column> more) {
  std::vector<Column> out = {text("Z_KASSE_ID"), stamp("Z_ERSTELLUNG"), num("Z_NR")};
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

std::vector<TableSpec> make() {
  return {
      // Einzelaufzeichnungsmodul: every transaction.
      {"lines.csv", "Bonpos", "Bonpositionen",
       with_z({text("BON_ID"), num("POS_ZEILE"), text("GUTSCHEIN_NR"), text("ARTIKELTEXT"), text("POS_TERMINAL_ID"),
               text("GV_TYP"), text("GV_NAME"), num("INHAUS"), num("P_STORNO"), num("AGENTUR_ID"), text("ART_NR"),
               text("GTIN"), text("WARENGR_ID"), text("WARENGR"), num("MENGE", 3), num("FAKTOR", 3), text("EINHEIT"),
               num("STK_BR", 5)})},
      {"lines_vat.csv", "Bonpos_USt", "Bonpositionen, Umsatzsteuer",
       with_z({text("BON_ID"), num("POS_ZEILE"), num("UST_SCHLUESSEL"), num("POS_BRUTTO", 5), num("POS_NETTO", 5),
               num("POS_UST", 5)})},
      {"subitems.csv", "Bonpos_Zusatzinfo", "Bonpositionen, Zusatzinformationen",
       with_z({text("BON_ID"), num("POS_ZEILE"), text("ZI_ART_NR"), text("ZI_GTIN"), text("ZI_NAME"),
               text("ZI_WARENGR_ID"), text("ZI_WARENGR"), num("ZI_MENGE", 3), num("ZI_FAKTOR", 3), text("ZI_EINHEIT"),
               num("ZI_UST_SCHLUESSEL"), num("ZI_BASISPREIS_BRUTTO", 5), num("ZI_BASISPREIS_NETTO", 5),
               num("ZI_BASISPREIS_UST", 5)})},
      {"itemamounts.csv", "Bonpos_Preisfindung", "Bonpositionen, Preisfindung",
       with_z({text("BON_ID"), num("POS_ZEILE"), text("TYP"), num("PF_BRUTTO", 5), num("PF_NETTO", 5), num("PF_UST", 5)})},
      {"transactions.csv", "Bonkopf", "Bonkopf",
       with_z({text("BON_ID"), num("BON_NR"), text("BON_TYP"), text("BON_NAME"), text("TERMINAL_ID"), num("BON_STORNO"),
               stamp("BON_START"), stamp("BON_ENDE"), text("BEDIENER_ID"), text("BEDIENER_NAME"), num("UMS_BRUTTO", 2),
               text("KUNDE_NAME"), text("KUNDE_ID"), text("KUNDE_TYP"), text("KUNDE_STRASSE"), text("KUNDE_PLZ"),
               text("KUNDE_ORT"), text("KUNDE_LAND"), text("KUNDE_USTID"), text("BON_NOTIZ")})},
      {"transactions_vat.csv", "Bonkopf_USt", "Bonkopf, Umsatzsteuer",
       with_z({text("BON_ID"), num("UST_SCHLUESSEL"), num("BON_BRUTTO", 5), num("BON_NETTO", 5), num("BON_UST", 5)})},
      {"allocation_groups.csv", "Bonkopf_AbrKreis", "Bonkopf, Abrechnungskreise",
       with_z({text("BON_ID"), text("ABRECHNUNGSKREIS")})},
      {"datapayment.csv", "Bonkopf_Zahlarten", "Bonkopf, Zahlarten",
       with_z({text("BON_ID"), text("ZAHLART_TYP"), text("ZAHLART_NAME"), text("ZAHLWAEH_CODE"), num("ZAHLWAEH_BETRAG", 2),
               num("BASISWAEH_BETRAG", 2)})},
      {"references.csv", "Bon_Referenzen", "Bon-Referenzen",
       with_z({text("BON_ID"), num("POS_ZEILE"), text("REF_TYP"), text("REF_NAME"), stamp("REF_DATUM"),
               text("REF_KASSE_ID"), num("REF_Z_NR"), text("REF_BON_ID")})},
      {"transactions_tse.csv", "TSE_Transaktionen", "TSE-Transaktionen",
       with_z({text("BON_ID"), num("TSE_ID"), num("TSE_TANR"), stamp("TSE_TA_START"), stamp("TSE_TA_ENDE"),
               text("TSE_TA_VORGANGSART"), num("TSE_TA_SIGZ"), text("TSE_TA_SIG"), text("TSE_TA_FEHLER"),
               text("TSE_TA_VORGANGSDATEN")})},
      // Stammdatenmodul: the register, per closing.
      {"cashpointclosing.csv", "Stamm_Abschluss", "Stammdaten, Kassenabschluss",
       with_z({day("Z_BUCHUNGSTAG"), text("TAXONOMIE_VERSION"), text("Z_START_ID"), text("Z_ENDE_ID"), text("NAME"),
               text("STRASSE"), text("PLZ"), text("ORT"), text("LAND"), text("STNR"), text("USTID"),
               num("Z_SE_ZAHLUNGEN", 2), num("Z_SE_BARZAHLUNGEN", 2)})},
      {"location.csv", "Stamm_Orte", "Stammdaten, Orte",
       with_z({text("LOC_NAME"), text("LOC_STRASSE"), text("LOC_PLZ"), text("LOC_ORT"), text("LOC_LAND"),
               text("LOC_USTID")})},
      {"cashregister.csv", "Stamm_Kassen", "Stammdaten, Kassen",
       with_z({text("KASSE_BRAND"), text("KASSE_MODELL"), text("KASSE_SERIENNR"), text("KASSE_SW_BRAND"),
               text("KASSE_SW_VERSION"), text("KASSE_BASISWAEH_CODE"), num("KEINE_UST_ZUORDNUNG")})},
      {"slaves.csv", "Stamm_Terminals", "Stammdaten, Terminals",
       with_z({text("TERMINAL_ID"), text("TERMINAL_BRAND"), text("TERMINAL_MODELL"), text("TERMINAL_SERIENNR"),
               text("TERMINAL_SW_BRAND"), text("TERMINAL_SW_VERSION")})},
      {"pa.csv", "Stamm_Agenturen", "Stammdaten, Agenturen",
       with_z({num("AGENTUR_ID"), text("AGENTUR_NAME"), text("AGENTUR_STRASSE"), text("AGENTUR_PLZ"),
               text("AGENTUR_ORT"), text("AGENTUR_LAND"), text("AGENTUR_STNR"), text("AGENTUR_USTID")})},
      {"vat.csv", "Stamm_USt", "Stammdaten, Umsatzsteuer",
       with_z({num("UST_SCHLUESSEL"), num("UST_SATZ", 2), text("UST_BESCHR")})},
      {"tse.csv", "Stamm_TSE", "Stammdaten, TSE",
       with_z({num("TSE_ID"), text("TSE_SERIAL"), text("TSE_SIG_ALGO"), text("TSE_ZEITFORMAT"), text("TSE_PD_ENCODING"),
               text("TSE_PUBLIC_KEY"), text("TSE_ZERTIFIKAT_I"), text("TSE_ZERTIFIKAT_II")})},
      // Kassenabschlussmodul: the closing's sums.
      {"businesscases.csv", "Z_GV_Typ", "Kassenabschluss, Geschäftsvorfälle",
       with_z({text("GV_TYP"), text("GV_NAME"), num("AGENTUR_ID"), num("UST_SCHLUESSEL"), num("Z_UMS_BRUTTO", 2),
               num("Z_UMS_NETTO", 2), num("Z_UMS_UST", 2)})},
      {"payment.csv", "Z_Zahlart", "Kassenabschluss, Zahlarten",
       with_z({text("ZAHLART_TYP"), text("ZAHLART_NAME"), num("Z_ZAHLART_BETRAG", 2)})},
      {"cash_per_currency.csv", "Z_Waehrungen", "Kassenabschluss, Bargeld nach Währungen",
       with_z({text("ZAHLART_WAEH"), num("ZAHLART_BETRAG_WAEH", 2)})},
  };
}

std::string xml_escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

const std::vector<TableSpec>& tables() {
  static const std::vector<TableSpec> all = make();
  return all;
}

const TableSpec& table(const std::string& file) {
  for (const TableSpec& t : tables()) {
    if (t.file == file) return t;
  }
  throw std::logic_error("no DSFinV-K table " + file);
}

std::string field(const Column& c, const std::string& value) {
  if (c.kind != Column::Kind::text) return value;
  std::string out = "\"";
  for (char ch : value) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string csv(const TableSpec& t, const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  for (size_t i = 0; i < t.columns.size(); ++i) out += (i ? ";" : "") + t.columns[i].name;
  out += "\r\n";
  for (const auto& row : rows) {
    if (row.size() != t.columns.size()) {
      throw std::logic_error(t.file + ": a row of " + std::to_string(row.size()) + " fields for " +
                             std::to_string(t.columns.size()) + " columns");
    }
    for (size_t i = 0; i < row.size(); ++i) out += (i ? ";" : "") + field(t.columns[i], row[i]);
    out += "\r\n";
  }
  return out;
}

std::string index_xml(const std::string& supplier_name, const std::string& supplier_location,
                      const std::string& comment) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!DOCTYPE DataSet SYSTEM \"gdpdu-01-09-2004.dtd\">\r\n";
  x += "<DataSet>\r\n  <Version>1.0</Version>\r\n  <DataSupplier>\r\n";
  x += "    <Name>" + xml_escaped(supplier_name) + "</Name>\r\n";
  x += "    <Location>" + xml_escaped(supplier_location) + "</Location>\r\n";
  x += "    <Comment>" + xml_escaped(comment) + "</Comment>\r\n  </DataSupplier>\r\n";
  x += "  <Media>\r\n    <Name>DSFinV-K " + std::string(kVersion) + "</Name>\r\n";
  for (const TableSpec& t : tables()) {
    x += "    <Table>\r\n      <URL>" + t.file + "</URL>\r\n      <Name>" + t.name + "</Name>\r\n";
    x += "      <Description>" + xml_escaped(t.description) + "</Description>\r\n";
    x += "      <UTF8/>\r\n      <DecimalSymbol>.</DecimalSymbol>\r\n      <DigitGroupingSymbol>,</DigitGroupingSymbol>\r\n";
    x += "      <Range>\r\n        <From>2</From>\r\n      </Range>\r\n";
    x += "      <VariableLength>\r\n        <ColumnDelimiter>;</ColumnDelimiter>\r\n";
    x += "        <RecordDelimiter>&#13;&#10;</RecordDelimiter>\r\n        <TextEncapsulator>\"</TextEncapsulator>\r\n";
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const Column& c = t.columns[i];
      const char* element = i < 3 ? "VariablePrimaryKey" : "VariableColumn";  // the closing's key
      x += "        <" + std::string(element) + ">\r\n          <Name>" + c.name + "</Name>\r\n";
      switch (c.kind) {
        case Column::Kind::text: x += "          <AlphaNumeric/>\r\n"; break;
        case Column::Kind::number:
          x += c.accuracy ? "          <Numeric>\r\n            <Accuracy>" + std::to_string(c.accuracy) +
                                "</Accuracy>\r\n          </Numeric>\r\n"
                          : "          <Numeric/>\r\n";
          break;
        case Column::Kind::date:
          x += "          <Date>\r\n            <Format>" + xml_escaped(c.date_format) + "</Format>\r\n          </Date>\r\n";
          break;
      }
      x += "        </" + std::string(element) + ">\r\n";
    }
    if (t.file != "cashpointclosing.csv") {
      x += "        <ForeignKey>\r\n          <Name>Z_KASSE_ID</Name>\r\n          <Name>Z_ERSTELLUNG</Name>\r\n"
           "          <Name>Z_NR</Name>\r\n          <References>Stamm_Abschluss</References>\r\n        </ForeignKey>\r\n";
    }
    x += "      </VariableLength>\r\n    </Table>\r\n";
  }
  x += "  </Media>\r\n</DataSet>\r\n";
  return x;
}

}  // namespace posd::dsfinvk
