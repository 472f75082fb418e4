// posd-hq: the HQ reference peer of posd's sync protocol (docs/sync-protocol.md).
//   serve              take every store's journal, ack it, send each store its down-log
//   store add          register a store and its public key
//   catalog publish    a catalog document (posctl catalog import's format) as down-log entries
//   price              one price change
//   stock snapshot     on-hand figures as of a store seq
//   send               any down-log entry (kind and JSON body), for integrators and tests
//   report             what HQ holds of a store, as JSON
//   verify             a journal export against a store's public key
#include <algorithm>
#include <CLI/CLI.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>

#include "storage/catalog_json.h"
#include "storage/chain.h"
#include "storage/journal_export.h"
#include "base/allocator.h"
#include "base/clock.h"
#include "base/file_text.h"
#include "base/json_text.h"
#include "base/log.h"
#include "http/server.h"
#include "http/router.h"
#include "http/tls.h"
#include "hq/api.h"
#include "hq/changes.h"
#include "hq/feed_hub.h"
#include "hq/metrics.h"
#include "hq/serve.h"
#include "hq/store.h"

// posd-hq's allocator options (base/allocator.cpp has posd's): the same, and
// transparent huge pages. HQ builds documents of whole catalogs (a 100,000-item
// one is 130 MB of small nodes); on 4 KB pages a quarter of `catalog publish`
// went to the kernel's page faults, and huge pages cut the publish by a third
// (docs/benchmarks.md). Not in posd, whose memory is its goal (#19 goal 7).
extern "C" const char* malloc_conf;
const char* malloc_conf = "narenas:1,dirty_decay_ms:1000,thp:always";

namespace {

using json = nlohmann::json;
using posd::Result;
using posd::Status;
using Entries = posd::hq::DownEntries;

int fail(const std::string& message, int code = 2) {
  std::cerr << "posd-hq: " << message << "\n";
  return code;
}

using posd::read_file;

// An operator's file, read as posd reads every JSON it did not make: a key
// given twice is refused, not taken at its last value.
Result<json> read_json(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.status();
  auto doc = posd::parse_json(*text);
  if (!doc) return Status::invalid_argument(path + ": " + doc.status().message());
  return doc;
}

// What posd-hq keeps, behind HqStore (hq/store.h picks the backend by URL).
// A PostgreSQL password comes from libpq's password file: under systemd, the
// credential "pgpass" (LoadCredential=), never the command line.
Result<std::unique_ptr<posd::hq::HqStore>> open_store(const std::string& url) {
  const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
  if (credentials && !std::getenv("PGPASSFILE")) {
    const std::string pgpass = std::string(credentials) + "/pgpass";
    if (std::ifstream(pgpass)) ::setenv("PGPASSFILE", pgpass.c_str(), 0);
  }
  return posd::hq::open_store(url);
}

// The database for the log: a URL with its password, in the user part or as
// a parameter, left out.
std::string shown(const std::string& url) {
  static const std::regex user_password(R"(^([a-z]+://[^/:@]*):[^/@]*@)");
  static const std::regex parameter(R"(password=[^&]*)");
  return std::regex_replace(std::regex_replace(url, user_password, "$1@"), parameter, "password=(hidden)");
}

// The events HQ holds of `store`, verified in the order stored against the
// key HQ registered (and against `pubkey_path`'s key when given).
int verify_held(posd::hq::HqStore& hq, const std::string& store, const std::string& pubkey_path) {
  auto pem = hq.public_key(store);
  if (!pem) return fail(pem.status().message());
  auto key = posd::PublicKey::from_pem(*pem);
  if (!key) return fail(key.status().message());
  if (!pubkey_path.empty()) {
    auto given = posd::PublicKey::load(pubkey_path);
    if (!given) return fail(given.status().message());
    if (given->pem() != key->pem()) return fail(pubkey_path + " is not the key HQ registered for " + store, 1);
  }
  auto acked = hq.acked_seq(store);
  if (!acked) return fail(acked.status().message());
  // Up to the acked seq read first: a live HQ stores more meanwhile.
  posd::ChainVerifier chain(*key);
  uint64_t last = 0;
  while (last < *acked) {
    auto page = hq.events(store, last, 1000);
    if (!page) return fail(page.status().message());
    if (page->empty()) break;
    for (const posd::Event& e : *page) {
      if (e.seq > *acked) break;
      if (Status s = chain.feed(e); !s) {
        std::cout << "bad " << s.message() << "\n";
        return 1;
      }
      last = e.seq;
    }
  }
  if (last != *acked) {
    std::cout << "bad HQ acknowledged seq " << *acked << " but holds events up to " << last << "\n";
    return 1;
  }
  std::cout << "ok " << last << " events\n";
  return 0;
}

// Appends `entries` to the down-log of `store` (or every registered store).
int publish(posd::hq::HqStore& db, const std::string& store, const Entries& entries) {
  std::vector<std::string> stores;
  if (!store.empty()) {
    if (!db.acked_seq(store)) return fail("unknown store \"" + store + "\" (posd-hq store add)");
    stores.push_back(store);
  } else {
    auto all = db.stores();
    if (!all) return fail(all.status().message());
    stores = *all;
  }
  // As many stores in one transaction as keep it under 64 MB of entries: a
  // price for every store is one commit; a large catalog a commit per few stores.
  // The bodies' text is made once here, for the sizing and every append.
  size_t per_commit = 1;
  std::vector<std::string> bodies;
  if (stores.size() > 1) {
    auto texts = posd::hq::body_texts(entries);
    if (!texts) return fail(texts.status().message());
    bodies = std::move(*texts);
    size_t bytes = 1;
    for (const std::string& body : bodies) bytes += body.size();
    per_commit = std::max<size_t>(1, (64u << 20) / bytes);
  }
  json out = json::array();
  for (size_t from = 0; from < stores.size(); from += per_commit) {
    const std::vector<std::string> part(stores.begin() + from, stores.begin() + std::min(stores.size(), from + per_commit));
    auto last = db.down_append_to(part, entries, bodies);
    if (!last) {
      if (!out.empty()) std::cout << out.dump() << "\n";  // what was appended before the failure
      return fail(last.status().message());
    }
    for (size_t i = 0; i < part.size(); ++i) {
      out.push_back({{"store_id", part[i]}, {"entries", entries.size()}, {"last_hq_seq", (*last)[i]}});
    }
  }
  std::cout << out.dump() << "\n";
  return 0;
}

// "HOST:PORT" or "[IPv6]:PORT" as (host, port).
Result<std::pair<std::string, uint16_t>> host_port(const std::string& text, const std::string& option) {
  const auto colon = text.rfind(':');
  const std::string bad = option + ": give HOST:PORT (e.g. 127.0.0.1:9101), not \"" + text + "\"";
  if (colon == std::string::npos || colon == 0) return Status::invalid_argument(bad);
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) || std::stoi(port) > 65535) {
    return Status::invalid_argument(bad);
  }
  return std::make_pair(host, static_cast<uint16_t>(std::stoi(port)));
}

// posd-hq serve's HQ API (hq/api.h): where, with which tokens, over TLS
// unless `plain` is asked for.
struct ApiOptions {
  std::string at, tokens, certificate, private_key;
  bool plain = false;
  unsigned feed_days = 7;
  unsigned alert_after = 300;
};

int serve(const std::string& db_path, posd::hq::HqServeOptions options, const std::string& metrics_at,
          const ApiOptions& api_options) {
  std::optional<std::pair<std::string, uint16_t>> metrics_address, api_address;
  if (!metrics_at.empty()) {
    auto a = host_port(metrics_at, "--metrics");
    if (!a) return fail(a.status().message());
    metrics_address = *a;
  }
  std::optional<boost::asio::ssl::context> api_tls;
  std::vector<posd::hq::ApiToken> tokens;
  if (!api_options.at.empty()) {
    auto a = host_port(api_options.at, "--api");
    if (!a) return fail(a.status().message());
    api_address = *a;
    if (api_options.tokens.empty()) return fail("--api needs --api-tokens FILE (docs/hq-operations.md)");
    auto doc = read_json(api_options.tokens);
    if (!doc) return fail(doc.status().message());
    auto t = posd::hq::read_tokens(*doc);
    if (!t) return fail(api_options.tokens + ": " + t.status().message());
    tokens = std::move(*t);
    if (!api_options.plain) {
      if (api_options.certificate.empty() || api_options.private_key.empty()) {
        return fail("--api serves HTTPS: give --api-cert and --api-key (or --api-plain on a trusted network)");
      }
      auto ctx = posd::http::server_tls(api_options.certificate, api_options.private_key, "--api-cert", "--api-key");
      if (!ctx) return fail(ctx.status().message());
      api_tls.emplace(std::move(*ctx));
    }
  }
  boost::asio::io_context io(1);
  auto store = open_store(db_path);
  if (!store) return fail(store.status().message());
  posd::hq::HqMetrics metrics;
  options.metrics = &metrics;
  std::unique_ptr<posd::hq::FeedHub> feed;  // with --api: the feed's consumers hear of a commit at once
  options.stored = [&feed] {
    if (feed) feed->poke();
  };
  auto hq = std::make_unique<posd::hq::HqServe>(io, std::move(*store), std::move(options));
  // GET /metrics, plain HTTP: bind it to loopback or the monitoring network.
  namespace http = posd::http;
  http::Server metrics_server(io, [&](const http::Request& req, http::Reply reply) {
    if (req.method() != http::bhttp::verb::get || req.target() != "/metrics") {
      return reply(http::error_response(http::bhttp::status::not_found, "not_found", "only GET /metrics is served here",
                                        req.version(), req.keep_alive()));
    }
    http::Response res{http::bhttp::status::ok, req.version()};
    res.set(http::bhttp::field::content_type, "text/plain; version=0.0.4");
    res.keep_alive(req.keep_alive());
    res.body() = metrics.render(hq->figures());
    res.prepare_payload();
    reply(std::move(res));
  }, http::Server::Options{});
  if (metrics_address) {
    auto bound = metrics_server.listen(metrics_address->first, metrics_address->second);
    if (!bound) return fail("--metrics: " + bound.status().message());
    posd::log::get("hq")->info("metrics at http://{}/metrics", metrics_at);
  }
  // The HQ API reads and appends through a connection of its own.
  std::unique_ptr<posd::hq::HqApi> api;
  std::optional<http::Server> api_server;
  if (api_address) {
    auto feed_store = open_store(db_path);
    if (!feed_store) return fail(feed_store.status().message());
    auto api_store = open_store(db_path);
    if (!api_store) return fail(api_store.status().message());
    api = std::make_unique<posd::hq::HqApi>(std::move(*api_store), std::move(tokens), [&hq] {
      std::map<std::string, posd::hq::StoreLink> out;
      for (const auto& [id, l] : hq->links()) {
        out[id] = posd::hq::StoreLink{l.online, l.announced, l.last_heard, l.behind_since};
      }
      return out;
    }, std::chrono::seconds(api_options.alert_after));
    api->on_published([&hq] { hq->poke(); });
    http::Server::Options o;
    // Read before the token is checked: kept small. A larger catalog goes
    // with posd-hq catalog publish.
    o.body_limit = size_t{4} << 20;
    o.tls = api_tls ? &*api_tls : nullptr;
    // The feed reads through a connection of its own too.
    posd::hq::FeedHub::Options fo;
    fo.keep = std::chrono::hours(24 * api_options.feed_days);
    feed = std::make_unique<posd::hq::FeedHub>(
        io, std::move(*feed_store), [&api](const http::Request& req) { return api->reader(req); }, fo);
    o.events_path = "/v1/feed";
    o.events = feed.get();
    feed->start();
    api_server.emplace(io, api->handler(), o);
    auto bound = api_server->listen(api_address->first, api_address->second);
    if (!bound) return fail("--api: " + bound.status().message());
    posd::log::get("hq")->info("HQ API at {}://{}", api_tls ? "https" : "http", api_options.at);
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    if (api_server) api_server->stop();
    if (feed) feed->stop();
    metrics_server.stop();
    hq->stop();
    io.stop();
  });
  hq->start();
  posd::log::get("hq")->info("serving {}; memory from {}", shown(db_path), posd::allocator_name());
  io.run();
  return 0;
}

}  // namespace

// Over 60 lines: the command line, one option per line, then one branch per command.
int main(int argc, char** argv) {
  CLI::App app{"posd-hq: the HQ side of posd's sync protocol"};
  app.set_version_flag("--version", POSD_VERSION);
  app.require_subcommand(1);
  std::string db_path, store, file, kind, body, sku, export_path, pubkey_path;
  int64_t price = -1, on_hand = 0, as_of = -1;
  size_t chunk = 500;
  posd::hq::HqServeOptions serve_options;
  std::string log_level = "info";
  std::string metrics_at;
  ApiOptions api_options;
  size_t intake_kb = 32768;
  auto add_db = [&db_path](CLI::App* cmd) {
    return cmd->add_option("--db", db_path, "HQ's database: a path, sqlite:PATH or postgresql://… (libpq's URL)")
        ->envname("POSD_HQ_DB");
  };

  auto* serve_cmd = app.add_subcommand("serve", "Take the stores' journals and send them their down-logs");
  add_db(serve_cmd)->required();
  serve_cmd->add_option("--url", serve_options.link.url, "Broker: tcp://host:port or ssl://host:port")->required();
  serve_cmd->add_option("--client-id", serve_options.link.client_id, "MQTT client id (default posd-hq)");
  serve_cmd->add_option("--prefix", serve_options.prefix, "Topic prefix (default posd)");
  serve_cmd->add_option("--share-group", serve_options.share_group, "Share the stores with other instances")
      ->envname("POSD_HQ_SHARE_GROUP");
  serve_cmd->add_option("--ca", serve_options.link.ca_file, "CA of the broker's certificate (ssl://)");
  serve_cmd->add_option("--cert", serve_options.link.certificate, "posd-hq's client certificate (ssl://)");
  serve_cmd->add_option("--key", serve_options.link.private_key, "posd-hq's client key (ssl://)");
  serve_cmd->add_option("--log-level", log_level, "trace, debug, info, warn or error");
  serve_cmd->add_option("--metrics", metrics_at, "Serve Prometheus metrics at http://HOST:PORT/metrics")
      ->envname("POSD_HQ_METRICS");
  serve_cmd->add_option("--intake-kb", intake_kb, "Journal batches waiting to be stored, at most, in KiB (past it "
                                                  "they are shed, and the stores send them again; default 32768)")
      ->check(CLI::Range(64, 4194304));
  serve_cmd->add_option("--api", api_options.at, "Serve the HQ API (docs/hq-openapi.yaml) at HOST:PORT")
      ->envname("POSD_HQ_API");
  serve_cmd->add_option("--api-tokens", api_options.tokens, "The API's tokens and roles (JSON; docs/hq-operations.md)")
      ->envname("POSD_HQ_API_TOKENS");
  serve_cmd->add_option("--api-cert", api_options.certificate, "The API's TLS certificate chain (PEM)")
      ->envname("POSD_HQ_API_CERT");
  serve_cmd->add_option("--api-key", api_options.private_key, "The API's TLS private key (PEM)")->envname("POSD_HQ_API_KEY");
  serve_cmd->add_flag("--api-plain", api_options.plain, "Serve the API over plain HTTP (loopback or a trusted network only)");
  serve_cmd->add_option("--feed-days", api_options.feed_days, "Days the feed (GET /v1/feed) keeps its rows (default 7)")
      ->check(CLI::Range(1u, 3650u))->envname("POSD_HQ_FEED_DAYS");
  serve_cmd->add_option("--alert-after", api_options.alert_after,
                        "Seconds a store may be offline or behind before the API and dashboard call it an alert (default 300)")
      ->check(CLI::Range(1u, 604800u))->envname("POSD_HQ_ALERT_AFTER");

  auto* store_cmd = app.add_subcommand("store", "Stores known to HQ");
  store_cmd->require_subcommand(1);
  auto* store_add = store_cmd->add_subcommand("add", "Register a store and its public key");
  add_db(store_add)->required();
  store_add->add_option("--store", store)->required();
  store_add->add_option("--pubkey", pubkey_path, "The store's public key (.pub PEM beside its database)")->required();

  auto* catalog_cmd = app.add_subcommand("catalog", "The catalog");
  catalog_cmd->require_subcommand(1);
  auto* catalog_publish = catalog_cmd->add_subcommand("publish", "Send a catalog document to one store or all");
  add_db(catalog_publish)->required();
  catalog_publish->add_option("catalog", file, "Catalog JSON (docs/catalog.md)")->required();
  catalog_publish->add_option("--store", store, "Only this store (default: every registered store)");
  catalog_publish->add_option("--chunk", chunk, "Items per entry (default 500)")->check(CLI::Range(1, 10000));

  auto* price_cmd = app.add_subcommand("price", "Change one item's price");
  add_db(price_cmd)->required();
  price_cmd->add_option("--sku", sku)->required();
  price_cmd->add_option("--price", price, "Minor units")->required()->check(CLI::Range(int64_t{0}, int64_t{100000000000}));
  price_cmd->add_option("--store", store, "Only this store (default: every registered store)");

  auto* stock_cmd = app.add_subcommand("stock", "Stock figures");
  stock_cmd->require_subcommand(1);
  auto* snapshot = stock_cmd->add_subcommand("snapshot", "On-hand figures as of a store seq");
  add_db(snapshot)->required();
  snapshot->add_option("--store", store)->required();
  auto* file_opt = snapshot->add_option("--file", file, "JSON [{\"sku\", \"on_hand\"}, ...]");
  auto* sku_opt = snapshot->add_option("--sku", sku);
  snapshot->add_option("--on-hand", on_hand)->needs(sku_opt);
  file_opt->excludes(sku_opt);
  snapshot->add_option("--as-of", as_of, "Store seq the figures were counted at (default: what HQ holds)");

  auto* send_cmd = app.add_subcommand("send", "Append any down-log entry");
  add_db(send_cmd)->required();
  send_cmd->add_option("--store", store, "Only this store (default: every registered store)");
  send_cmd->add_option("--kind", kind)->required();
  send_cmd->add_option("--body", body, "JSON object")->required();

  auto* report_cmd = app.add_subcommand("report", "What HQ holds of a store (JSON)");
  add_db(report_cmd)->required();
  report_cmd->add_option("--store", store)->required();

  auto* verify = app.add_subcommand("verify", "Verify a journal export, or what HQ holds of a store, with the store's key");
  auto* export_opt = verify->add_option("--export", export_path, "JSON Lines export (posctl journal export)");
  verify->add_option("--pubkey", pubkey_path, "The store's public key (.pub PEM); with --db, checked against HQ's");
  auto* verify_db = add_db(verify);
  verify->add_option("--store", store, "With --db: the store whose events HQ holds");
  export_opt->excludes(verify_db);
  CLI11_PARSE(app, argc, argv);

  posd::log::set_level(log_level);
  if (*serve_cmd) {
    serve_options.intake_limit_bytes = intake_kb << 10;
    return serve(db_path, std::move(serve_options), metrics_at, api_options);
  }

  if (*verify && export_path.empty()) {
    if (db_path.empty() || store.empty()) return fail("verify: give --export and --pubkey, or --db and --store");
    auto db = open_store(db_path);
    if (!db) return fail(db.status().message());
    return verify_held(**db, store, pubkey_path);
  }
  if (*verify) {
    if (pubkey_path.empty()) return fail("verify --export needs --pubkey");
    auto key = posd::PublicKey::load(pubkey_path);
    if (!key) return fail(key.status().message());
    std::ifstream in(export_path);
    if (!in) return fail("cannot read " + export_path);
    auto n = posd::verify_export(in, *key);
    if (!n) {
      std::cout << "bad " << n.status().message() << "\n";
      return 1;
    }
    std::cout << "ok " << *n << " events\n";
    return 0;
  }

  auto db = open_store(db_path);
  if (!db) return fail(db.status().message());
  posd::hq::HqStore& hq = **db;

  if (*store_add) {
    auto pem = read_file(pubkey_path);
    if (!pem) return fail(pem.status().message());
    if (Status s = hq.register_store(store, *pem); !s) return fail(s.message());
    std::cout << json{{"store_id", store}, {"registered", true}}.dump() << "\n";
    return 0;
  }
  if (*catalog_publish) {
    auto doc = read_json(file);
    if (!doc) return fail(doc.status().message());
    auto entries = posd::hq::catalog_entries(std::move(*doc), chunk);
    if (!entries) return fail(file + ": " + entries.status().message());
    return publish(hq, store, *entries);
  }
  if (*price_cmd) return publish(hq, store, {{"price", json{{"sku", sku}, {"price", price}}}});
  if (*snapshot) {
    json lines = json::array();
    if (!file.empty()) {
      auto doc = read_json(file);
      if (!doc) return fail(doc.status().message());
      lines = *doc;
    } else if (!sku.empty()) {
      lines.push_back({{"sku", sku}, {"on_hand", on_hand}});
    } else {
      return fail("give --file or --sku with --on-hand");
    }
    auto held = hq.acked_seq(store);
    if (!held) return fail(held.status().message());
    uint64_t seq = as_of >= 0 ? static_cast<uint64_t>(as_of) : *held;
    return publish(hq, store, {{"stock_snapshot", json{{"as_of_store_seq", seq}, {"stock", lines}}}});
  }
  if (*send_cmd) {
    auto parsed = posd::parse_json(body);
    if (!parsed) return fail("--body: " + parsed.status().message());
    return publish(hq, store, {{kind, std::move(*parsed)}});
  }
  if (*report_cmd) {
    auto r = hq.report(store);
    if (!r) return fail(r.status().message());
    std::cout << r->dump() << "\n";
    return 0;
  }
  return 0;
}
