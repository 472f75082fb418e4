#include <catch2/catch.hpp>

#include "daemon/config.h"
#include "base/digest.h"
#include "tests/daemon/node.h"

using namespace posd;
using json = nlohmann::json;

TEST_CASE("a good configuration parses", "[config]") {
  auto c = parse_config(test::base_config("var/posd.db"));
  REQUIRE(c);
  CHECK(c->store_id == "TEST-1");
  CHECK(c->listen_host == "127.0.0.1");
  CHECK(c->listen_port == 0);
  REQUIRE(c->terminals.size() == 2);
  CHECK(c->terminals[1].role == Role::supervisor);
  // Only the token's digest is kept.
  CHECK(c->terminals[0].token_sha256 == to_hex(sha256(test::kCashierToken)));
  CHECK(c->lane_priority == LanePriority::realtime);  // the default: the lanes first
  auto j = test::base_config("var/posd.db");
  j["lane_priority"] = "normal";
  auto normal = parse_config(j);
  REQUIRE(normal);
  CHECK(normal->lane_priority == LanePriority::normal);
}

TEST_CASE("bad configurations name the key and the reason", "[config]") {
  struct Row {
    const char* what;
    std::function<void(json&)> edit;
    const char* error;
  };
  const std::vector<Row> rows = {
      {"not an object", [](json& j) { j = json::array(); }, "(top level): must be an object"},
      {"missing store_id", [](json& j) { j.erase("store_id"); }, "store_id: is required"},
      {"store_id a number", [](json& j) { j["store_id"] = 7; }, "store_id: must be a string"},
      {"empty database", [](json& j) { j["database"] = ""; }, "database: must not be empty"},
      {"unknown key", [](json& j) { j["colour"] = "red"; }, "colour: is not a known key"},
      {"listen without port", [](json& j) { j["listen"] = "127.0.0.1"; }, "listen: must be host:port"},
      {"listen port too big", [](json& j) { j["listen"] = "127.0.0.1:70000"; },
       "listen: port must be a number from 0 to 65535"},
      {"terminals not an array", [](json& j) { j["terminals"] = json::object(); },
       "terminals: must be an array"},
      {"bad role", [](json& j) { j["terminals"][1]["role"] = "boss"; },
       "terminals[1].role: must be one of cashier, supervisor"},
      {"short token", [](json& j) { j["terminals"][0]["token"] = "short"; },
       "terminals[0].token: must be at least 16 characters"},
      {"bad hashed token", [](json& j) { j["terminals"][0]["token"] = "sha256:abc"; },
       "terminals[0].token: sha256: must be followed by 64 hex digits"},
      {"unknown terminal key", [](json& j) { j["terminals"][0]["pin"] = "1234"; },
       "terminals[0].pin: is not a known key"},
      {"duplicate terminal id", [](json& j) { j["terminals"][1]["id"] = "lane-1"; },
       "terminals[1].id: \"lane-1\" is used twice"},
      {"shared token", [](json& j) { j["terminals"][1]["token"] = test::kCashierToken; },
       "terminals[1].token: is already another terminal's token"},
      {"basket expiry of 0", [](json& j) { j["basket_expiry_minutes"] = 0; },
       "basket_expiry_minutes: must be an integer from 1 to 10080"},
      {"a time zone tzdata does not know", [](json& j) { j["time_zone"] = "Europe/Atlantis"; },
       "time_zone: \"Europe/Atlantis\" is no time zone the system's tzdata knows (an IANA name such as Europe/Paris)"},
      {"a turn that is no time of day", [](json& j) { j["business_day_starts"] = "25:00"; },
       "business_day_starts: \"25:00\" is no time of day: give HH:MM, from 00:00 to 23:59"},
      {"z_before_next_day a string", [](json& j) { j["z_before_next_day"] = "yes"; },
       "z_before_next_day: must be true or false"},
      {"a role with no limits of its kind", [](json& j) { j["role_limits"] = {{"owner", json::object()}}; },
       "role_limits.owner: is not a known key"},
      {"no_sale not a boolean", [](json& j) { j["role_limits"] = {{"cashier", {{"no_sale", "yes"}}}}; },
       "role_limits.cashier.no_sale: must be true or false"},
      {"a lockout of no minutes", [](json& j) { j["operator_lockout_minutes"] = 0; },
       "operator_lockout_minutes: must be an integer from 1 to 1440"},
      {"a discount limit above 100 %", [](json& j) { j["role_limits"] = {{"cashier", {{"max_discount_bp", 10001}}}}; },
       "role_limits.cashier.max_discount_bp: must be an integer from 0 to 10000"},
      {"reason codes of no use", [](json& j) { j["reason_codes"] = {{"refund", json::array()}}; },
       "reason_codes.refund: is no use of reason codes; the uses are price_override, manual_discount, return, void, paid_in, paid_out, no_sale"},
      {"a reason code with a space", [](json& j) { j["reason_codes"] = {{"void", {{{"code", "MY BAD"}, {"label", "x"}}}}}; },
       "reason_codes.void[0].code: must be 1 to 32 of A-Z, a-z, 0-9, _ and -"},
      {"a reason code twice", [](json& j) {
         j["reason_codes"] = {{"void", {{{"code", "A"}, {"label", "x"}}, {{"code", "A"}, {"label", "y"}}}}};
       }, "reason_codes.void[1].code: \"A\" is given twice"},
      {"a reason code without a label", [](json& j) { j["reason_codes"] = {{"return", {{{"code", "A"}}}}}; },
       "reason_codes.return[0].label: is required"},
      {"bad log level", [](json& j) { j["log_level"] = "loud"; },
       "log_level: must be one of trace, debug, info, warn, error"},
      {"a lane priority posd does not know", [](json& j) { j["lane_priority"] = "high"; },
       "lane_priority: must be one of realtime, normal"},
      {"store_id with a topic separator", [](json& j) { j["store_id"] = "S/1"; },
       "store_id: must be at most 64 letters, digits, '-', '_' or '.'"},
      {"scanner of an unknown type", [](json& j) { j["scanners"] = {{{"id", "s"}, {"terminal", "lane-1"}, {"type", "bluetooth"}}}; },
       "scanners[0].type: must be one of serial, evdev, tcp"},
      {"scanner of no configured terminal", [](json& j) {
         j["scanners"] = {{{"id", "s"}, {"terminal", "lane-9"}, {"type", "serial"}, {"path", "/dev/ttyACM0"}}};
       }, "scanners[0].terminal: \"lane-9\" is not a configured terminal"},
      {"serial scanner without a path", [](json& j) { j["scanners"] = {{{"id", "s"}, {"terminal", "lane-1"}, {"type", "serial"}}}; },
       "scanners[0].path: is required"},
      {"bad serial suffix", [](json& j) {
         j["scanners"] = {{{"id", "s"}, {"terminal", "lane-1"}, {"type", "serial"}, {"path", "/dev/ttyACM0"}, {"suffix", "TAB"}}};
       }, "scanners[0].suffix: must be one of CR, LF, CRLF"},
      {"bad keyboard layout", [](json& j) {
         j["scanners"] = {{{"id", "s"}, {"terminal", "lane-1"}, {"type", "evdev"}, {"path", "/dev/input/event3"}, {"layout", "de"}}};
       }, "scanners[0].layout: must be one of us, fr"},
      {"two scanners of one id", [](json& j) {
         j["scanners"] = {{{"id", "s"}, {"terminal", "lane-1"}, {"type", "tcp"}, {"listen", "0.0.0.0:9001"}},
                          {{"id", "s"}, {"terminal", "lane-1"}, {"type", "tcp"}, {"listen", "0.0.0.0:9002"}}};
       }, "scanners[1].id: \"s\" is used twice"},
      {"printer of an unknown type", [](json& j) { j["printers"] = {{{"id", "p"}, {"terminal", "lane-1"}, {"type", "fax"}}}; },
       "printers[0].type: must be one of tcp, device"},
      {"printer without a port", [](json& j) {
         j["printers"] = {{{"id", "p"}, {"terminal", "lane-1"}, {"type", "tcp"}, {"address", "10.0.0.9"}}};
       }, "printers[0].address: must be host:port (9100)"},
      {"two printers on one terminal", [](json& j) {
         j["printers"] = {{{"id", "p1"}, {"terminal", "lane-1"}, {"type", "device"}, {"path", "/dev/usb/lp0"}},
                          {{"id", "p2"}, {"terminal", "lane-1"}, {"type", "device"}, {"path", "/dev/usb/lp1"}}};
       }, "printers[1].terminal: \"lane-1\" already has a printer"},
      {"unknown barcode region", [](json& j) { j["barcode_region"] = "US"; },
       "barcode_region: must be one of DE, DK, FI, GB, NO, SE"},
      {"mqtt without url", [](json& j) { j["mqtt"] = json::object(); }, "mqtt.url: is required"},
      {"mqtt url of another scheme", [](json& j) { j["mqtt"] = {{"url", "http://hq"}}; },
       "mqtt.url: must start with tcp:// or ssl://"},
      {"ssl without tls files", [](json& j) { j["mqtt"] = {{"url", "ssl://hq:8883"}}; },
       "mqtt.tls: is required for an ssl:// url (ca, certificate, private_key)"},
      {"tls files for plain tcp", [](json& j) {
         j["mqtt"] = {{"url", "tcp://hq:1883"}, {"tls", {{"ca", "a"}, {"certificate", "b"}, {"private_key", "c"}}}};
       }, "mqtt.tls: is given but mqtt.url is not ssl://"},
      {"tls without key", [](json& j) { j["mqtt"] = {{"url", "ssl://hq:8883"}, {"tls", {{"ca", "a"}, {"certificate", "b"}}}}; },
       "mqtt.tls.private_key: is required"},
      {"wildcard in the prefix", [](json& j) { j["mqtt"] = {{"url", "tcp://hq:1883"}, {"topic_prefix", "posd/#"}}; },
       "mqtt.topic_prefix: must not hold + or #"},
      {"window smaller than a batch", [](json& j) {
         j["mqtt"] = {{"url", "tcp://hq:1883"}, {"batch_events", 500}, {"window_events", 100}};
       }, "mqtt.window_events: must be an integer from 500 to 100000"},
      {"unknown mqtt key", [](json& j) { j["mqtt"] = {{"url", "tcp://hq:1883"}, {"qos", 2}}; },
       "mqtt.qos: is not a known key"},
  };
  for (const Row& r : rows) {
    INFO(r.what);
    json j = test::base_config("var/posd.db");
    r.edit(j);
    auto c = parse_config(j);
    REQUIRE_FALSE(c);
    CHECK(c.status().message() == r.error);
  }
}

TEST_CASE("the mqtt section takes its defaults from the store", "[config]") {
  json j = test::base_config("var/posd.db");
  j["mqtt"] = {{"url", "ssl://hq.example:8883"},
               {"tls", {{"ca", "/etc/posd/ca.pem"}, {"certificate", "/etc/posd/store.pem"}, {"private_key", "/etc/posd/store.key"}}}};
  auto c = parse_config(j);
  REQUIRE(c);
  REQUIRE(c->mqtt);
  CHECK(c->mqtt->client_id == "posd-TEST-1");
  CHECK(c->mqtt->topic_prefix == "posd");
  CHECK(c->mqtt->batch_events == 256);
  CHECK(c->mqtt->window_events == 2048);
  CHECK(c->mqtt->private_key == "/etc/posd/store.key");
}

TEST_CASE("a token may be given as its SHA-256", "[config]") {
  json j = test::base_config("x.db");
  j["terminals"][0]["token"] = "sha256:" + to_hex(sha256("some-long-token-value"));
  auto c = parse_config(j);
  REQUIRE(c);
  CHECK(c->terminals[0].token_sha256 == to_hex(sha256("some-long-token-value")));
}

TEST_CASE("load_config names the file, and where JSON breaks", "[config]") {
  test::TempDir dir;
  CHECK_THAT(load_config(dir.file("none.json")).status().message(), Catch::Contains("cannot read"));
  test::write_text(dir.file("bad.json"), "{\"store_id\": \"S\",");
  auto c = load_config(dir.file("bad.json"));
  CHECK_THAT(c.status().message(), Catch::Contains("bad.json: not JSON (at byte"));
  test::write_text(dir.file("twice.json"), "{\"store_id\": \"S1\", \"store_id\": \"S2\"}");
  CHECK(load_config(dir.file("twice.json")).status().message() == dir.file("twice.json") + ": duplicate key \"store_id\"");
  test::write_text(dir.file("wrong.json"), "{\"store_id\": 1}");
  CHECK(load_config(dir.file("wrong.json")).status().message() ==
        dir.file("wrong.json") + ": store_id: must be a string");
  // A directory named as the file: said so, not read as empty JSON.
  auto folder = load_config(dir.path());
  CHECK(folder.status().code() == Status::Code::invalid_argument);
  CHECK(folder.status().message() == dir.path() + " is a directory, not a file");
}
