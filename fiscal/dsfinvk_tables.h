// The DSFinV-K's tables (Digitale Schnittstelle der Finanzverwaltung für
// Kassensysteme, version 2.3): each file of its three modules, the module's
// table name, and its columns in order with their GDPdU types; how a row is
// written (UTF-8, ";" between fields, text in double quotes, "." before
// decimals, CRLF) and the index.xml that describes the set.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace posd::dsfinvk {

inline constexpr const char* kVersion = "2.3";

struct Column {
  std::string name;
  enum class Kind { text, number, date } kind = Kind::text;
  int accuracy = 0;         // numbers: decimals
  std::string date_format;  // dates: as index.xml spells it
};

struct TableSpec {
  std::string file;         // "transactions.csv"
  std::string name;         // the module's name: "Bonkopf"
  std::string description;  // what it holds, in the specification's words
  std::vector<Column> columns;
};

// Every table of the cash-register export, in the specification's order.
const std::vector<TableSpec>& tables();
const TableSpec& table(const std::string& file);

// One field as the CSV writes it: text quoted ("" for a quote inside),
// numbers and dates bare.
std::string field(const Column& c, const std::string& value);
// The header line and the rows of a table, CRLF after each.
std::string csv(const TableSpec& t, const std::vector<std::vector<std::string>>& rows);
// index.xml (GDPdU, gdpdu-01-09-2004.dtd) for every table in `tables()`.
std::string index_xml(const std::string& supplier_name, const std::string& supplier_location,
                      const std::string& comment);

}  // namespace posd::dsfinvk
