#include "daemon/config.h"

#include "base/local_day.h"

#include <algorithm>
#include <set>

#include "base/file_text.h"
#include "base/ids.h"
#include "base/json_fields.h"
#include "base/json_text.h"
#include "checkout/till.h"
#include "barcode/variable_measure.h"
#include "base/digest.h"

namespace posd {

namespace {

using json = nlohmann::json;

void parse_listen(const std::string& path, const std::string& s, Config& c) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) throw FieldError{path, "must be host:port"};
  std::string host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535) {
    throw FieldError{path, "port must be a number from 0 to 65535"};
  }
  c.listen_host = host;
  c.listen_port = static_cast<uint16_t>(std::stoul(port));
}

TerminalConfig parse_terminal(const json& j, const std::string& path) {
  Fields s(j, path);
  TerminalConfig t;
  t.id = s.string("id");
  const std::string token = s.string("token");
  // A token is given plainly or as "sha256:<hex>" (what posctl provisions).
  if (token.rfind("sha256:", 0) == 0) {
    std::string hex = token.substr(7);
    if (hex.size() != 64 || !from_hex(hex)) throw FieldError{s.child("token"), "sha256: must be followed by 64 hex digits"};
    t.token_sha256 = hex;
  } else {
    if (token.size() < 16) throw FieldError{s.child("token"), "must be at least 16 characters"};
    t.token_sha256 = to_hex(sha256(token));
  }
  const std::string role = s.string("role");
  if (role == "cashier") t.role = Role::cashier;
  else if (role == "supervisor") t.role = Role::supervisor;
  else throw FieldError{s.child("role"), "must be one of cashier, supervisor"};
  s.no_unknown_keys();
  return t;
}

MqttConfig parse_mqtt(const json& j, const std::string& store_id) {
  Fields m(j, "mqtt");
  MqttConfig c;
  c.url = m.string("url");
  const bool tls = c.url.rfind("ssl://", 0) == 0;
  if (!tls && c.url.rfind("tcp://", 0) != 0) throw FieldError{"mqtt.url", "must start with tcp:// or ssl://"};
  c.client_id = m.optional_string("client_id").value_or("posd-" + store_id);
  c.topic_prefix = m.optional_string("topic_prefix").value_or(c.topic_prefix);
  if (c.topic_prefix.find_first_of("+#") != std::string::npos) throw FieldError{"mqtt.topic_prefix", "must not hold + or #"};
  if (const json* t = m.find("tls", false)) {
    Fields f(*t, "mqtt.tls");
    c.ca_file = f.string("ca");
    c.certificate = f.string("certificate");
    c.private_key = f.string("private_key");
    f.no_unknown_keys();
    if (!tls) throw FieldError{"mqtt.tls", "is given but mqtt.url is not ssl://"};
  } else if (tls) {
    throw FieldError{"mqtt.tls", "is required for an ssl:// url (ca, certificate, private_key)"};
  }
  c.batch_events = m.optional_integer("batch_events", 1, 1000).value_or(c.batch_events);
  c.window_events = m.optional_integer("window_events", c.batch_events, 100000).value_or(std::max(c.window_events, c.batch_events));
  m.no_unknown_keys();
  return c;
}

// A device's id, its terminal (one that is configured) and its port, read
// by the kind its "type" names in the driver's registry of kinds.
template <typename Config, typename Kinds>
Config parse_device(Fields& f, const std::set<std::string>& terminals, Kinds kinds) {
  Config c;
  c.id = f.string("id");
  c.terminal = f.string("terminal");
  if (!terminals.count(c.terminal)) throw FieldError{f.child("terminal"), "\"" + c.terminal + "\" is not a configured terminal"};
  const std::string type = f.string("type");
  std::string names;
  for (const auto& k : kinds) {
    if (k.type == type) c.port = k.parse(f);
    names += (names.empty() ? "" : ", ") + std::string(k.type);
  }
  if (c.kind() != type) throw FieldError{f.child("type"), "must be one of " + names};
  return c;
}

drivers::ScannerConfig parse_scanner(const json& j, const std::string& path, const std::set<std::string>& terminals) {
  Fields f(j, path);
  auto s = parse_device<drivers::ScannerConfig>(f, terminals, drivers::scanner_kinds());
  s.into_basket = f.boolean("into_basket", false);
  f.no_unknown_keys();
  return s;
}

drivers::PrinterConfig parse_printer(const json& j, const std::string& path, const std::set<std::string>& terminals) {
  Fields f(j, path);
  auto p = parse_device<drivers::PrinterConfig>(f, terminals, drivers::printer_kinds());
  f.no_unknown_keys();
  return p;
}

// {"<use>": [{"code", "label"}]}: each use's codes, none twice.
std::vector<ReasonCode> parse_reason_codes(const json& j) {
  if (!j.is_object()) throw FieldError{"reason_codes", "must be an object of uses"};
  std::vector<ReasonCode> out;
  for (const auto& [use_name, list] : j.items()) {
    const std::string path = "reason_codes." + use_name;
    const auto use = reason_use_named(use_name);
    if (!use) throw FieldError{path, "is no use of reason codes; the uses are " + reason_use_names()};
    if (!list.is_array()) throw FieldError{path, "must be an array of {code, label}"};
    std::set<std::string> seen;
    for (size_t i = 0; i < list.size(); ++i) {
      Fields r(list[i], path + "[" + std::to_string(i) + "]");
      ReasonCode code{*use, r.string("code"), r.string("label")};
      r.no_unknown_keys();
      if (!valid_reason_code(code.code)) throw FieldError{r.child("code"), "must be 1 to 32 of A-Z, a-z, 0-9, _ and -"};
      if (code.label.size() > 64) throw FieldError{r.child("label"), "must be at most 64 bytes"};
      if (!seen.insert(code.code).second) throw FieldError{r.child("code"), "\"" + code.code + "\" is given twice"};
      out.push_back(std::move(code));
    }
  }
  return out;
}

}  // namespace


// Over 60 lines: one configuration key per line (docs/configuration.md).
Result<Config> parse_config(const json& j) {
  try {
    Fields top(j, "");
    Config c;
    c.store_id = top.string("store_id");
    // It names the store's MQTT topics and its files: letters, digits, - _ . only.
    if (!valid_id(c.store_id, 64)) {
      throw FieldError{"store_id", "must be at most 64 letters, digits, '-', '_' or '.'"};
    }
    c.database = top.string("database");
    parse_listen("listen", top.string("listen"), c);
    c.log_level = top.optional_string("log_level").value_or(c.log_level);
    static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
    if (!kLevels.count(c.log_level)) throw FieldError{"log_level", "must be one of trace, debug, info, warn, error"};
    if (auto p = top.optional_string("lane_priority"); p && !parse_lane_priority(*p, c.lane_priority)) {
      throw FieldError{"lane_priority", "must be one of realtime, normal"};
    }
    c.plain_http = top.boolean("plain_http", false);
    if (const json* tls = top.find("tls", false)) {
      Fields t(*tls, "tls");
      c.tls_certificate = t.string("certificate");
      c.tls_private_key = t.string("private_key");
      t.no_unknown_keys();
      if (c.plain_http) throw FieldError{"plain_http", "cannot be true when tls is given"};
    } else if (!c.plain_http) {
      throw FieldError{"tls", "is required unless plain_http is true"};
    }
    c.currency = top.optional_string("currency").value_or(c.currency);
    if (c.currency.size() != 3 || c.currency.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos) {
      throw FieldError{"currency", "must be an ISO 4217 code such as EUR"};
    }
    c.prices_include_tax = top.boolean("prices_include_tax", c.prices_include_tax);
    c.cash_rounding = top.optional_integer("cash_rounding", 1, 100).value_or(c.cash_rounding);
    c.basket_expiry_minutes = top.optional_integer("basket_expiry_minutes", 1, 10080).value_or(c.basket_expiry_minutes);
    c.label_price_ceiling = top.optional_integer("label_price_ceiling", 0, money::kMaxAmount).value_or(c.label_price_ceiling);
    c.max_basket_lines = top.optional_integer("max_basket_lines", 1, 5000).value_or(c.max_basket_lines);
    c.max_open_baskets = top.optional_integer("max_open_baskets", 1, 1000).value_or(c.max_open_baskets);
    c.time_zone = top.optional_string("time_zone").value_or(c.time_zone);
    if (auto ok = LocalDay::make(c.time_zone, "00:00"); !ok) throw FieldError{"time_zone", ok.status().message()};
    c.business_day_starts = top.optional_string("business_day_starts").value_or(c.business_day_starts);
    if (auto ok = LocalDay::make("UTC", c.business_day_starts); !ok) throw FieldError{"business_day_starts", ok.status().message()};
    c.z_before_next_day = top.boolean("z_before_next_day", c.z_before_next_day);
    c.barcode_region = top.optional_string("barcode_region").value_or("");
    if (!c.barcode_region.empty()) {
      const auto regions = barcode::measure_regions();
      if (std::find(regions.begin(), regions.end(), c.barcode_region) == regions.end()) {
        std::string known;
        for (const auto& r : regions) known += (known.empty() ? "" : ", ") + r;
        throw FieldError{"barcode_region", "must be one of " + known};
      }
    }
    if (const json* r = top.find("role_limits", false)) read_role_limits(*r, "role_limits", c.role_limits);
    c.operators_required = top.boolean("operators_required", c.operators_required);
    c.blind_close = top.boolean("blind_close", c.blind_close);
    if (top.find("denominations", false)) {
      const json& list = top.array("denominations");
      std::set<int64_t> seen;
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string path = "denominations[" + std::to_string(i) + "]";
        if (!list[i].is_number_integer() || list[i].get<int64_t>() < 1 || list[i].get<int64_t>() > money::kMaxAmount) {
          throw FieldError{path, "must be an amount in minor units from 1"};
        }
        if (!seen.insert(list[i].get<int64_t>()).second) throw FieldError{path, "is given twice"};
        c.denominations.push_back(list[i].get<int64_t>());
      }
      if (c.denominations.empty()) throw FieldError{"denominations", "must hold at least one note or coin"};
      std::sort(c.denominations.rbegin(), c.denominations.rend());
    }
    c.operator_lockout_minutes = top.optional_integer("operator_lockout_minutes", 1, 1440).value_or(c.operator_lockout_minutes);
    if (const json* r = top.find("reason_codes", false)) c.reason_codes = parse_reason_codes(*r);
    if (const json* m = top.find("mqtt", false)) c.mqtt = parse_mqtt(*m, c.store_id);
    const json& terms = top.array("terminals");
    std::set<std::string> ids, tokens;
    for (size_t i = 0; i < terms.size(); ++i) {
      std::string path = "terminals[" + std::to_string(i) + "]";
      TerminalConfig t = parse_terminal(terms[i], path);
      if (!ids.insert(t.id).second) throw FieldError{path + ".id", "\"" + t.id + "\" is used twice"};
      // A shared token would make two terminals one: each needs its own.
      if (!tokens.insert(t.token_sha256).second) throw FieldError{path + ".token", "is already another terminal's token"};
      c.terminals.push_back(std::move(t));
    }
    if (top.find("scanners", false)) {
      const json& list = top.array("scanners");
      std::set<std::string> scanner_ids;
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string path = "scanners[" + std::to_string(i) + "]";
        auto s = parse_scanner(list[i], path, ids);
        if (!scanner_ids.insert(s.id).second) throw FieldError{path + ".id", "\"" + s.id + "\" is used twice"};
        c.scanners.push_back(std::move(s));
      }
    }
    if (top.find("printers", false)) {
      const json& list = top.array("printers");
      std::set<std::string> printer_ids, served;
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string path = "printers[" + std::to_string(i) + "]";
        auto p = parse_printer(list[i], path, ids);
        if (!printer_ids.insert(p.id).second) throw FieldError{path + ".id", "\"" + p.id + "\" is used twice"};
        if (!served.insert(p.terminal).second) throw FieldError{path + ".terminal", "\"" + p.terminal + "\" already has a printer"};
        c.printers.push_back(std::move(p));
      }
    }
    top.no_unknown_keys();
    return c;
  } catch (const FieldError& e) {
    return Status::invalid_argument(e.message());
  }
}

StoreRules store_rules(const Config& c) {
  return StoreRules{c.currency, c.prices_include_tax, c.cash_rounding, c.barcode_region, c.label_price_ceiling,
                    static_cast<size_t>(c.max_basket_lines), static_cast<size_t>(c.max_open_baskets),
                    c.z_before_next_day,     c.role_limits,             c.reason_codes,
                    c.operator_lockout_minutes,
                    c.denominations.empty() ? default_denominations(c.currency) : c.denominations,
                    c.blind_close,           c.operators_required};
}

Result<Config> load_config(const std::string& path) {
  auto text = read_file(path);
  if (!text) {
    if (text.status().code() == Status::Code::not_found) return Status::not_found("cannot read configuration file " + path);
    return text.status();
  }
  // Read as posd reads every JSON it did not make: a key given twice is
  // refused, not taken at its last value.
  auto doc = parse_json(*text);
  if (!doc) return Status::invalid_argument(path + ": " + doc.status().message());
  auto c = parse_config(*doc);
  if (!c) return Status::invalid_argument(path + ": " + c.status().message());
  return c;
}

}  // namespace posd
