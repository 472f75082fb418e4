// posctl's commands. Each returns the process exit code: 0 done, 1 the thing
// checked is bad (a broken chain), 2 the command could not run (bad arguments,
// unreadable file). Results go to stdout, errors to stderr.
#pragma once

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

namespace posctl {

// Says why on stderr ("posctl: why") and gives the exit code to return.
inline int fail(const std::string& why, int code = 2) {
  std::cerr << "posctl: " << why << "\n";
  return code;
}

struct VerifyArgs {
  std::string db;
  std::string export_file;
  std::string pubkey;
  std::vector<std::string> anchors;  // SEQ:HASH
  std::string manifest;              // with --export: the export's signed manifest
};
// Prints "ok N events", or "bad seq N: why" / "bad anchor seq N: why".
int journal_verify(const VerifyArgs& args);

struct ExportArgs {
  std::string db;
  uint64_t from = 1;
  uint64_t to = 0;         // 0: to the end
  std::string day_from;    // YYYY-MM-DD: instead of --from/--to
  std::string day_to;
  std::string manifest;    // write the signed manifest here (needs DB.key)
};
int journal_export(const ExportArgs& args);

struct DsfinvkArgs {
  std::string db;
  std::string master;  // JSON: name, street, postcode, city, country, tax_number, vat_id
  std::string to;      // a new directory
  int64_t z_from = 1;
  int64_t z_to = 0;    // 0: to the last Z
};
// Verifies the journal, then writes the DSFinV-K CSVs and index.xml of its
// closings (fiscal/dsfinvk.h). Exit 1 when the journal does not verify.
int journal_dsfinvk(const DsfinvkArgs& args);

struct CatalogImportArgs {
  std::string db;
  std::string file;
  std::string store;  // only for a new database
};
// Replaces the catalog with FILE's (docs/catalog.md), journaled. Exit 1 for a
// bad document (the first bad field is named), 2 when it could not run.
int catalog_import(const CatalogImportArgs& args);

struct StockReceiveArgs {
  std::string db;
  std::string sku;
  int64_t qty = 0;  // units, or grams for weighed items
  std::string reason = "delivery";
};
// Books a delivery (journaled). Exit 1 for an unknown SKU.
int stock_receive(const StockReceiveArgs& args);

struct TerminalArgs {
  std::string config;
  std::string id;
  std::string role = "cashier";
};
// Adds a terminal with a new random token to the configuration file, which
// keeps only the token's SHA-256; the token is printed once.
int terminal_add(const TerminalArgs& args);
// Removes a terminal; exit 1 when there is none of that id.
int terminal_remove(const TerminalArgs& args);

struct OperatorArgs {
  std::string db;
  std::string id;
  std::string name;
  std::string role = "cashier";
};
// Provisions an operator in the store database (journaled as
// operator_provisioned, without the PIN): the PIN is one line of standard
// input, kept only as its hash (base/pin.h). Exit 1 for bad input.
int operator_add(const OperatorArgs& args);
// Removes one (journaled); exit 1 when there is none of that id.
int operator_remove(const OperatorArgs& args);
// Every operator, one JSON object a line (never the hash).
int operator_list(const OperatorArgs& args);
// The hash of the PIN on standard input, for HQ to provision an operator
// (down-log kind operator) without the PIN ever travelling.
int operator_hash_pin();

struct SyncRewindArgs {
  std::string db;
  uint64_t seq = 0;  // what HQ really holds: everything after it is sent again
};
// Asks posd to send HQ the journal again from seq + 1 (HQ restored a backup,
// or lost its database): cursor hq_rewind_request, honoured by a running posd
// within a tick or at its next start. HQ skips what it already holds.
int sync_rewind(const SyncRewindArgs& args);

struct BackupArgs {
  std::string db;  // the live database (backup) or the one to recreate (restore)
  std::string to;  // the backup file
  bool with_signing_key = false;  // backup: copy the private key too (to.key)
  std::string signing_key;        // restore: the store's private key when the backup holds none
};
// A consistent copy while posd runs (SQLite online backup), mode 0600, with
// the store's public key beside it (the private key only when asked), then
// checked: integrity_check and the journal chain.
int backup(const BackupArgs& args);
// The reverse, into a database file that must not exist; checks the backup first.
int restore(const BackupArgs& args);

struct StatusArgs {
  std::string config;
};
// What an operator needs first, as JSON: store, version, journal seq, HQ
// backlog, disk space.
int status(const StatusArgs& args);

struct BarcodeArgs {
  std::string data;
  std::string region;  // ISO 3166 alpha-2, for variable-measure numbers
};
// Prints one JSON object: {"valid", "symbology", "gtin", "ais", "price_minor",
// "weight_g", "error"}. Exit 0 for a valid code, 1 for an invalid one.
int barcode(const BarcodeArgs& args);

struct ReceiptVerifyArgs {
  std::string code;
  std::string pubkey;
};
// "ok receipt N of store S: total T CUR, day D, journal seq Q" (exit 0), or
// "bad: why" (exit 1); exit 2 when the code or the key cannot be read.
int receipt_verify(const ReceiptVerifyArgs& args);

}  // namespace posctl
