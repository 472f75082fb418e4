// posd's configuration: one JSON file, validated whole at start. A wrong key
// or type fails with the key's path and the reason ("terminals[1].role: must be
// one of cashier, supervisor"). docs/configuration.md lists every key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checkout/basket.h"
#include "drivers/printer.h"
#include "drivers/scanner.h"
#include "base/status.h"
#include "daemon/lane_priority.h"

namespace posd {


struct TerminalConfig {
  std::string id;
  std::string token_sha256;  // hex; the token itself is never kept
  Role role = Role::cashier;
};

// The link to HQ's broker (docs/sync-protocol.md). Absent: the store runs
// alone and keeps everything for when a link is configured.
struct MqttConfig {
  std::string url;            // tcp://host:port, or ssl://host:port
  std::string client_id;      // default "posd-<store_id>"
  std::string topic_prefix = "posd";
  std::string ca_file;        // ssl:// only: the broker's CA,
  std::string certificate;    // this store's client certificate
  std::string private_key;    // and its key
  int64_t batch_events = 256;
  int64_t window_events = 2048;
};

struct Config {
  // Scanners bound to terminals (drivers/scanner.h); docs/configuration.md.
  std::vector<drivers::ScannerConfig> scanners;
  // Receipt printers, one per terminal at most (drivers/printer.h).
  std::vector<drivers::PrinterConfig> printers;
  std::string store_id;
  std::string database;         // path of the SQLite file; relative to the working directory
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;  // 0: any free port (tests)
  std::vector<TerminalConfig> terminals;
  // TLS for the API: certificate chain and private key (PEM files). Plain
  // HTTP only when plain_http is true (a demo on 127.0.0.1).
  std::string tls_certificate;
  std::string tls_private_key;
  bool plain_http = false;
  std::string log_level = "info";
  // The event loop ahead of posd's background work (daemon/lane_priority.h).
  LanePriority lane_priority = LanePriority::realtime;
  // The store's money rules (docs/configuration.md).
  std::string currency = "EUR";    // ISO 4217
  bool prices_include_tax = true;  // EU style; false: tax added at the till (US)
  int64_t cash_rounding = 1;       // minor units cash payments round to (5: 0.05)
  int64_t basket_expiry_minutes = 720;  // an untouched basket is abandoned after this
  std::string barcode_region;   // ISO 3166 alpha-2 of the scale labels' scheme; empty: none
  int64_t label_price_ceiling = 100'000;  // minor units; a label price above it needs a supervisor
  int64_t max_basket_lines = 500;
  int64_t max_open_baskets = 20;         // per terminal
  // The store's local day (base/local_day.h): its IANA time zone and the
  // time of day its business day turns; and whether a day's Z must be taken
  // before the next day's first sale or return.
  std::string time_zone = "UTC";
  std::string business_day_starts = "00:00";
  bool z_before_next_day = false;
  // What each role may do alone (manual discounts, refunds without a
  // receipt), and the store's reason codes by use (checkout/reasons.h).
  RoleLimitSet role_limits;
  // Operators: whether a lane sells only with one signed on, and how long
  // five wrong PINs in a row lock an operator.
  bool operators_required = false;
  int64_t operator_lockout_minutes = 15;
  // Tills: the notes and coins they are counted in (default: the
  // currency's, checkout/till.h), and whether a close is blind.
  std::vector<int64_t> denominations;
  bool blind_close = false;
  std::vector<ReasonCode> reason_codes;
  std::optional<MqttConfig> mqtt;
};

Result<Config> parse_config(const nlohmann::json& j);
// The checkout's rules as the configuration sets them.
StoreRules store_rules(const Config& c);
Result<Config> load_config(const std::string& path);

}  // namespace posd
