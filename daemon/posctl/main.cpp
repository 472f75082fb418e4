// posctl: the operator's command-line tool. Each command group has its own
// file; this one only parses the command line.
#include <CLI/CLI.hpp>

#include "daemon/posctl/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"posctl: operate a posd store node"};
  app.require_subcommand(1);
  auto* journal = app.add_subcommand("journal", "Verify and export the store's journal");
  journal->require_subcommand(1);

  posctl::VerifyArgs v;
  auto* verify = journal->add_subcommand("verify", "Recompute the hash chain and check every signature");
  auto* db_opt = verify->add_option("--db", v.db, "The store database (reads the journal table)");
  auto* export_opt = verify->add_option("--export", v.export_file, "A JSON Lines export instead of a database");
  verify->add_option("--pubkey", v.pubkey, "The store's public key (default for --db: DB.pub)");
  db_opt->excludes(export_opt);

  posctl::ExportArgs e;
  auto* exp = journal->add_subcommand("export", "Write the journal as JSON Lines to standard output");
  exp->add_option("--db", e.db, "The store database")->required();
  exp->add_option("--from", e.from, "First seq to export")->check(CLI::PositiveNumber);

  CLI11_PARSE(app, argc, argv);
  if (verify->parsed()) return posctl::journal_verify(v);
  if (exp->parsed()) return posctl::journal_export(e);
  return 2;
}
