// posd: the store's edge node.
#include <CLI/CLI.hpp>

#include <iostream>

#include "daemon/config.h"
#include "daemon/service.h"

int main(int argc, char** argv) {
  CLI::App app{"posd: the store's edge node (checkout, stock, journal, HQ sync)"};
  std::string config_path, check_path;
  auto* run = app.add_option("--config", config_path, "Configuration file (JSON) to run with");
  auto* check = app.add_option("--check-config", check_path, "Only validate this configuration file");
  run->excludes(check);
  app.set_version_flag("--version", POSD_VERSION);
  CLI11_PARSE(app, argc, argv);
  if (config_path.empty() && check_path.empty()) {
    std::cerr << "posd: give --config FILE (or --check-config FILE)\n";
    return 2;
  }

  const std::string& path = check_path.empty() ? config_path : check_path;
  auto config = posd::load_config(path);
  if (!config) {
    std::cerr << "posd: " << config.status().message() << "\n";
    return 2;
  }
  if (!check_path.empty()) {
    std::cout << "configuration ok: store " << config->store_id << ", "
              << config->terminals.size() << " terminal(s)\n";
    return 0;
  }
  return posd::run_service(*config, config_path);
}
