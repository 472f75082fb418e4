// posd-hq: the HQ reference peer. At this stage it checks what a store sends
// before HQ stores it: a journal export, against the store's public key.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "storage/journal_export.h"

int main(int argc, char** argv) {
  CLI::App app{"posd-hq: the HQ side of posd's sync protocol"};
  app.require_subcommand(1);
  std::string export_path, pubkey_path;
  auto* verify = app.add_subcommand("verify", "Verify a store's journal export with its public key");
  verify->add_option("--export", export_path, "JSON Lines export (posctl journal export)")->required();
  verify->add_option("--pubkey", pubkey_path, "The store's public key (.pub PEM)")->required();
  CLI11_PARSE(app, argc, argv);

  auto key = posd::PublicKey::load(pubkey_path);
  if (!key) {
    std::cerr << "posd-hq: " << key.status().message() << "\n";
    return 2;
  }
  std::ifstream in(export_path);
  if (!in) {
    std::cerr << "posd-hq: cannot read " << export_path << "\n";
    return 2;
  }
  auto n = posd::verify_export(in, *key);
  if (!n) {
    std::cout << "bad " << n.status().message() << "\n";
    return 1;
  }
  std::cout << "ok " << *n << " events\n";
  return 0;
}
