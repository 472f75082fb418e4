// posctl: the operator's command-line tool. Each command group has its own
// file; this one only parses the command line.
#include <CLI/CLI.hpp>

#include "daemon/posctl/commands.h"

// Over 60 lines: the command line, one option per line.
int main(int argc, char** argv) {
  CLI::App app{"posctl: operate a posd store node"};
  app.set_version_flag("--version", POSD_VERSION);
  app.require_subcommand(1);
  auto* journal = app.add_subcommand("journal", "Verify and export the store's journal");
  journal->require_subcommand(1);

  posctl::VerifyArgs v;
  auto* verify = journal->add_subcommand("verify", "Recompute the hash chain and check every signature");
  auto* db_opt = verify->add_option("--db", v.db, "The store database (reads the journal table)");
  auto* export_opt = verify->add_option("--export", v.export_file, "A JSON Lines export instead of a database");
  verify->add_option("--pubkey", v.pubkey, "The store's public key (default for --db: DB.pub)");
  verify->add_option("--manifest", v.manifest, "With --export: the manifest written by journal export --manifest");
  verify->add_option("--anchor", v.anchors, "SEQ:HASH of an event held outside the store (a printed Z, HQ's ack); repeatable");
  db_opt->excludes(export_opt);

  posctl::ExportArgs e;
  auto* exp = journal->add_subcommand("export", "Write the journal as JSON Lines to standard output");
  exp->add_option("--db", e.db, "The store database")->required();
  exp->add_option("--from", e.from, "First seq to export")->check(CLI::PositiveNumber);
  exp->add_option("--to", e.to, "Last seq to export (default: the end)")->check(CLI::PositiveNumber);
  exp->add_option("--day-from", e.day_from, "First business day to export (YYYY-MM-DD), instead of --from");
  exp->add_option("--day-to", e.day_to, "Last business day to export (default: --day-from)");
  exp->add_option("--manifest", e.manifest, "Write the export's manifest, signed with the store key (DB.key), to this new file");

  posctl::DsfinvkArgs dk;
  auto* dsfinvk = journal->add_subcommand("dsfinvk", "Write the DSFinV-K export (CSV set and index.xml) of the journal's closings");
  dsfinvk->add_option("--db", dk.db, "The store database")->required();
  dsfinvk->add_option("--master", dk.master, "The business's master data (JSON: name, street, postcode, city, country, tax_number, vat_id)")->required();
  dsfinvk->add_option("--to", dk.to, "A new directory for the files")->required();
  dsfinvk->add_option("--z-from", dk.z_from, "First closing (Z number) to export")->check(CLI::PositiveNumber);
  dsfinvk->add_option("--z-to", dk.z_to, "Last closing to export (default: the last)")->check(CLI::PositiveNumber);

  posctl::ReceiptVerifyArgs rv;
  auto* receipt = app.add_subcommand("receipt", "Check a receipt");
  receipt->require_subcommand(1);
  auto* receipt_verify = receipt->add_subcommand("verify", "Check a receipt's code (printed, or read from its QR code) with the store's public key");
  receipt_verify->add_option("code", rv.code, "posd1:STORE:RECEIPT:SEQ:DAY:TOTAL:CURRENCY:SIGNATURE")->required();
  receipt_verify->add_option("--pubkey", rv.pubkey, "The store's public key (PEM)")->required();

  posctl::CatalogImportArgs ci;
  auto* catalog = app.add_subcommand("catalog", "Load the store's catalog");
  catalog->require_subcommand(1);
  auto* import = catalog->add_subcommand("import", "Replace the catalog with a catalog document (journaled)");
  import->add_option("--db", ci.db, "The store database")->required();
  import->add_option("--store", ci.store, "Store id, when the database is new");
  import->add_option("file", ci.file, "Catalog JSON (docs/catalog.md)")->required();

  posctl::StockReceiveArgs sr;
  auto* stock = app.add_subcommand("stock", "Book stock");
  stock->require_subcommand(1);
  auto* receive = stock->add_subcommand("receive", "Book a delivery of an item (journaled)");
  receive->add_option("--db", sr.db, "The store database")->required();
  receive->add_option("--sku", sr.sku, "The item")->required();
  receive->add_option("--qty", sr.qty, "Units, or grams for weighed items")->required()->check(CLI::Range(1, 1000000000));
  receive->add_option("--reason", sr.reason, "Why (default: delivery)");

  posctl::TerminalArgs ta;
  auto* terminal = app.add_subcommand("terminal", "Provision the terminals allowed to use the API");
  terminal->require_subcommand(1);
  auto* add = terminal->add_subcommand("add", "Add a terminal; prints its new token once");
  auto* remove = terminal->add_subcommand("remove", "Remove a terminal");
  for (auto* cmd : {add, remove}) {
    cmd->add_option("--config", ta.config, "posd's configuration file")->required();
    cmd->add_option("--id", ta.id, "The terminal's id (lane-3)")->required();
  }
  add->add_option("--role", ta.role, "cashier or supervisor")->check(CLI::IsMember({"cashier", "supervisor"}));

  posctl::OperatorArgs oa;
  auto* op = app.add_subcommand("operator", "Provision the operators who sign on at the lanes (their PIN on standard input)");
  op->require_subcommand(1);
  auto* op_add = op->add_subcommand("add", "Add or replace an operator; the PIN is one line of standard input");
  auto* op_remove = op->add_subcommand("remove", "Remove an operator");
  auto* op_list = op->add_subcommand("list", "The operators, one JSON object a line");
  auto* op_hash = op->add_subcommand("hash-pin", "Print the hash of the PIN on standard input (for HQ's down-log kind operator)");
  for (auto* cmd : {op_add, op_remove, op_list}) cmd->add_option("--db", oa.db, "The store database")->required();
  for (auto* cmd : {op_add, op_remove}) cmd->add_option("--id", oa.id, "The operator's id (a badge or staff number)")->required();
  op_add->add_option("--name", oa.name, "The name the lane shows")->required();
  op_add->add_option("--role", oa.role, "cashier, supervisor or manager")->check(CLI::IsMember({"cashier", "supervisor", "manager"}));

  posctl::BackupArgs ba;
  auto* backup = app.add_subcommand("backup", "Copy the database and its keys while posd runs, then verify the copy");
  backup->add_option("--db", ba.db, "The live database")->required();
  backup->add_option("--to", ba.to, "The backup file (must not exist)")->required();
  backup->add_flag("--with-signing-key", ba.with_signing_key,
                   "Copy the store's private signing key too (keep such a copy as safe as the store itself)");
  auto* restore = app.add_subcommand("restore", "Recreate a database from a verified backup");
  restore->add_option("--from", ba.to, "The backup file")->required();
  restore->add_option("--db", ba.db, "The database to recreate (must not exist; stop posd first)")->required();
  restore->add_option("--signing-key", ba.signing_key, "The store's private key, when the backup holds none");
  posctl::SyncRewindArgs sw;
  auto* sync_cmd = app.add_subcommand("sync", "The link to HQ");
  sync_cmd->require_subcommand(1);
  auto* rewind = sync_cmd->add_subcommand("rewind", "Send HQ the journal again after SEQ (HQ lost or restored its data)");
  rewind->add_option("--db", sw.db, "The store database")->required();
  rewind->add_option("--to", sw.seq, "The last seq HQ really holds (0: everything)")->required();
  posctl::StatusArgs st;
  posctl::BarcodeArgs bc;
  auto* barcode = app.add_subcommand("barcode", "What a scanned code holds, as JSON");
  barcode->add_option("--region", bc.region, "Country of the store's variable-measure scheme (DE, GB, SE, NO, DK, FI)");
  barcode->add_option("data", bc.data, "What the scanner sent; AIM identifier optional, FNC1 as the GS byte")->required();

  auto* status = app.add_subcommand("status", "Store, journal, HQ backlog and disk space, as JSON");
  status->add_option("--config", st.config, "posd's configuration file")->required();

  CLI11_PARSE(app, argc, argv);
  if (barcode->parsed()) return posctl::barcode(bc);
  if (backup->parsed()) return posctl::backup(ba);
  if (rewind->parsed()) return posctl::sync_rewind(sw);
  if (restore->parsed()) return posctl::restore(ba);
  if (status->parsed()) return posctl::status(st);
  if (op_add->parsed()) return posctl::operator_add(oa);
  if (op_remove->parsed()) return posctl::operator_remove(oa);
  if (op_list->parsed()) return posctl::operator_list(oa);
  if (op_hash->parsed()) return posctl::operator_hash_pin();
  if (add->parsed()) return posctl::terminal_add(ta);
  if (remove->parsed()) return posctl::terminal_remove(ta);
  if (receive->parsed()) return posctl::stock_receive(sr);
  if (import->parsed()) return posctl::catalog_import(ci);
  if (verify->parsed()) return posctl::journal_verify(v);
  if (receipt_verify->parsed()) return posctl::receipt_verify(rv);
  if (exp->parsed()) return posctl::journal_export(e);
  if (dsfinvk->parsed()) return posctl::journal_dsfinvk(dk);
  return 2;
}
