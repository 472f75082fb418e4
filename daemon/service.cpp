#include "daemon/service.h"

#include <systemd/sd-daemon.h>
#include <sys/stat.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <filesystem>

#include "daemon/api.h"
#include "daemon/receipt_print.h"
#include "daemon/events.h"
#include "daemon/metrics.h"
#include "daemon/tls.h"
#include "http/server.h"
#include "base/json_fields.h"
#include "base/log.h"
#include "sync/store_sync.h"

namespace posd {

namespace {

namespace asio = boost::asio;

// Pings systemd's watchdog at half its period, but only while the journal
// writer is keeping up: idle, or finished a batch since the last ping. The
// ping itself runs on the event loop, so a stuck loop stops it too.
class Watchdog {
 public:
  Watchdog(asio::io_context& ioc, const Journal& journal) : timer_(ioc), journal_(journal) {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) period_ = std::chrono::microseconds(usec / 2);
  }
  void start() {
    if (period_.count() == 0) return;
    timer_.expires_after(period_);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      const uint64_t batches = journal_.batches();
      if (journal_.idle() || batches != last_batches_) sd_notify(0, "WATCHDOG=1");
      else log::get("posd")->warn("watchdog: the journal writer made no progress; not pinging");
      last_batches_ = batches;
      start();
    });
  }
  void stop() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
  const Journal& journal_;
  std::chrono::microseconds period_{0};
  uint64_t last_batches_ = 0;
};

Status make_state_dir(const std::string& db_path) {
  auto dir = std::filesystem::path(db_path).parent_path();
  if (dir.empty()) return Status::ok();
  std::error_code ec;
  if (std::filesystem::create_directories(dir, ec)) ::chmod(dir.c_str(), 0700);
  if (ec) return Status::io_error("cannot create " + dir.string() + ": " + ec.message());
  return Status::ok();
}

}  // namespace

// The configured terminals and HQ's; the configured ones alone if the
// database cannot be read.
std::vector<TerminalConfig> terminal_list(const std::vector<TerminalConfig>& configured, sql::Db& reader) {
  auto all = all_terminals(configured, reader);
  if (!all) {
    log::get("posd")->error("cannot read the terminals HQ provisioned: {}", all.status().message());
    return configured;
  }
  return *all;
}

sync::StoreSyncOptions sync_options(const MqttConfig& m) {
  sync::StoreSyncOptions o;
  o.link.url = m.url;
  o.link.client_id = m.client_id;
  o.link.ca_file = m.ca_file;
  o.link.certificate = m.certificate;
  o.link.private_key = m.private_key;
  o.prefix = m.topic_prefix;
  o.batch_events = static_cast<size_t>(m.batch_events);
  o.window_events = static_cast<uint64_t>(m.window_events);
  return o;
}

std::string device_key(const std::vector<drivers::ScannerConfig>& scanners, const std::vector<drivers::PrinterConfig>& printers) {
  std::string k;
  for (const auto& s : scanners) {
    k += s.id + "|" + s.terminal + "|" + s.kind + "|" + s.path + "|" + s.listen + "|" + std::to_string(s.baud) + "|" +
         s.suffix + "|" + s.layout + "|" + (s.into_basket ? "1" : "0") + "\n";
  }
  for (const auto& p : printers) k += p.id + "|" + p.terminal + "|" + p.kind + "|" + p.address + "|" + p.path + "\n";
  return k;
}

// Applies what can change while running; names what cannot. True when the
// devices changed (the caller starts them again).
bool reload(const std::string& path, Config& current, Terminals& terminals, sql::Db& reader) {
  auto logger = log::get("posd");
  auto next = load_config(path);
  if (!next) {
    logger->error("reload: keeping the running configuration: {}", next.status().message());
    return false;
  }
  std::vector<std::string> restart;
  if (next->store_id != current.store_id) restart.push_back("store_id");
  if (next->database != current.database) restart.push_back("database");
  if (next->listen_host != current.listen_host || next->listen_port != current.listen_port) restart.push_back("listen");
  if (next->tls_certificate != current.tls_certificate || next->tls_private_key != current.tls_private_key ||
      next->plain_http != current.plain_http) {
    restart.push_back("tls/plain_http");
  }
  if (next->mqtt.has_value() != current.mqtt.has_value() ||
      (next->mqtt && (next->mqtt->url != current.mqtt->url || next->mqtt->client_id != current.mqtt->client_id ||
                      next->mqtt->topic_prefix != current.mqtt->topic_prefix))) {
    restart.push_back("mqtt");
  }
  if (next->currency != current.currency || next->prices_include_tax != current.prices_include_tax ||
      next->cash_rounding != current.cash_rounding) {
    restart.push_back("currency/prices_include_tax/cash_rounding");
  }
  terminals.reset(terminal_list(next->terminals, reader));
  log::set_level(next->log_level);
  logger->info("reload: {} terminal(s), log level {}", next->terminals.size(), next->log_level);
  for (const std::string& key : restart) logger->warn("reload: {} changed; it takes effect after a restart", key);
  current.terminals = next->terminals;
  current.log_level = next->log_level;
  const bool devices = device_key(next->scanners, next->printers) != device_key(current.scanners, current.printers);
  current.scanners = next->scanners;
  current.printers = next->printers;
  return devices;
}

int run_service(const Config& initial, const std::string& config_path) {
  Config config = initial;
  auto logger = log::get("posd");
  log::set_level(config.log_level);
  ::umask(077);  // the database, its WAL and the keys are the service user's alone

  if (Status s = make_state_dir(config.database); !s) {
    logger->error("{}", s.message());
    return 1;
  }
  Metrics metrics;
  Journal::Options jo;
  jo.db_path = config.database;
  jo.store_id = config.store_id;
  jo.on_commit = [&metrics](size_t writes, std::chrono::nanoseconds took) {
    metrics.commit(writes, std::chrono::duration<double>(took).count());
  };
  auto journal = Journal::open(jo);
  if (!journal) {
    logger->error("cannot open the journal {}: {}", config.database, journal.status().to_string());
    return 1;
  }
  logger->info("journal {} open at seq {}", config.database, (*journal)->last_seq());

  asio::io_context ioc(1);
  auto checkout = Checkout::open(ioc, **journal, store_rules(config));
  if (!checkout) {
    logger->error("cannot open the checkout: {}", checkout.status().to_string());
    return 1;
  }
  Terminals terminals(terminal_list(config.terminals, (*checkout)->reader()));
  Api api(**checkout, terminals, &metrics);
  Events events(terminals);
  // Printers, by terminal. A print job's fate goes to that terminal's stream.
  std::map<std::string, std::unique_ptr<drivers::Printer>> printers;
  auto start_printers = [&] {
    for (auto& [t, p] : printers) p->stop();
    printers.clear();
    for (const drivers::PrinterConfig& pc : config.printers) {
      printers[pc.terminal] = std::make_unique<drivers::Printer>(ioc, pc,
          [&events, terminal = pc.terminal, id = pc.id](const std::string& job, bool printed, const std::string& why) {
            nlohmann::json e = {{"type", "print"}, {"printer", id}, {"job", job}, {"printed", printed}};
            if (!printed) e["error"] = why;
            events.publish(terminal, e);
          }, log::get("printer"));
    }
  };
  start_printers();
  auto kick = [&](const std::string& terminal) {
    auto p = printers.find(terminal);
    if (p == printers.end()) return;
    p->second->kick_drawer([&events, terminal](bool opened, const std::string& why) {
      if (!opened) events.publish(terminal, {{"type", "drawer_failed"}, {"error", why}});
    });
  };
  // A completed sale prints its receipt (and opens the drawer when cash was
  // taken); a reprint prints a duplicate; a no-sale opens the drawer.
  auto print_receipt = [&](const std::string& terminal, int64_t receipt_no, bool duplicate) {
    auto p = printers.find(terminal);
    if (p == printers.end()) return false;
    Outcome sale = (*checkout)->sale(std::to_string(receipt_no));
    if (!sale.ok()) return false;
    p->second->print((duplicate ? "duplicate " : "receipt ") + std::to_string(receipt_no),
                     receipt_escpos(sale.body, config.store_id, duplicate));
    for (const auto& t : sale.body["tenders"]) {
      const TenderRules* rules = tender_named(t.value("type", ""));
      if (!duplicate && rules && rules->opens_drawer) return true;
    }
    return false;
  };
  (*checkout)->set_event_sink([&](const std::string& t, const nlohmann::json& e) {
    const std::string type = e.value("type", "");
    if (type == "low_stock") metrics.low_stock_alert();
    if (type == "sale_completed" && print_receipt(t, e["receipt_no"].get<int64_t>(), false)) kick(t);
    if (type == "receipt_reprint") print_receipt(t, e["receipt_no"].get<int64_t>(), true);
    if (type == "drawer_open") kick(t);
    events.publish(t, e);
  });
  http::Server::Options options;
  options.events = &events;
  std::optional<asio::ssl::context> tls;
  if (!config.plain_http) {
    auto ctx = make_tls_context(config);
    if (!ctx) {
      logger->error("{}", ctx.status().message());
      return 1;
    }
    tls.emplace(std::move(*ctx));
    options.tls = &*tls;
  }
  http::Server server(ioc, api.handler(), options);
  api.set_server_figures([&] { return Metrics::ServerFigures{events.queued_bytes(), events.dropped(), server.accept_failures()}; });
  auto bound = server.listen(config.listen_host, config.listen_port);
  if (!bound) {
    logger->error("{}", bound.status().message());
    return 1;
  }
  std::unique_ptr<sync::StoreSync> hq;
  if (config.mqtt) {
    auto opened = sync::StoreSync::open(ioc, **journal, sync_options(*config.mqtt));
    if (!opened) {
      logger->error("cannot start the HQ link: {}", opened.status().message());
      return 1;
    }
    hq = std::move(*opened);
    hq->on_applied([&](const std::string& kind) {
      if (kind == "terminal") terminals.reset(terminal_list(config.terminals, (*checkout)->reader()));
    });
    api.set_sync(hq.get());
  } else {
    logger->info("no mqtt configured: the store runs alone and keeps its journal for HQ");
  }
  // Scanners: each scan goes to its terminal's event stream and, when asked,
  // into the terminal's open basket.
  std::vector<std::unique_ptr<drivers::Scanner>> scanners;
  auto start_scanners = [&] {
    for (auto& sc : scanners) sc->stop();
    scanners.clear();
    for (const drivers::ScannerConfig& sc : config.scanners) {
      scanners.push_back(drivers::make_scanner(ioc, sc, [&](const drivers::ScannerConfig& s, const std::string& code) {
        // A scanner on the wrong code page or a noisy line: refused and
        // reported, never passed on (the bytes are not echoed).
        if (!valid_utf8(code)) {
          log::get("scanner")->warn("{}: refused a scan of {} bytes that is not UTF-8 text", s.id, code.size());
          events.publish(s.terminal, {{"type", "scan_refused"}, {"scanner", s.id}, {"code", nullptr},
                                      {"error", {{"code", "not_text"}, {"message", "the scan is not UTF-8 text: check the scanner's keyboard or code page settings"}}}});
          return;
        }
        if ((*checkout)->card_number_scan(code)) {
          log::get("scanner")->warn("{}: refused a scan that looks like a card number (neither kept nor logged)", s.id);
          events.publish(s.terminal, {{"type", "scan_refused"}, {"scanner", s.id}, {"code", nullptr},
                                      {"error", {{"code", "card_number_refused"}, {"message", "the scan looks like a full card number: it was not kept"}}}});
          return;
        }
        events.publish(s.terminal, {{"type", "scan"}, {"scanner", s.id}, {"code", code}, {"into_basket", s.into_basket}});
        if (!s.into_basket) return;
        Outcome o = (*checkout)->add_scan(s.terminal, code);
        if (!o.ok()) events.publish(s.terminal, {{"type", "scan_refused"}, {"scanner", s.id}, {"code", code}, {"error", o.body["error"]}});
      }, log::get("scanner")));
      scanners.back()->start();
    }
  };
  start_scanners();
  api.set_devices([&scanners, &printers] {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [terminal, p] : printers) {
      out.push_back({{"id", p->config().id}, {"kind", "printer"}, {"type", p->config().kind}, {"terminal", terminal},
                     {"state", std::string(p->state()) == "failing" ? "waiting" : "connected"},
                     {"printer_state", p->state()}, {"queued", p->queued()}});
    }
    for (const auto& s : scanners) {
      out.push_back({{"id", s->config().id}, {"kind", "scanner"}, {"type", s->config().kind},
                     {"terminal", s->config().terminal}, {"state", s->state()}});
    }
    return out;
  });
  Watchdog watchdog(ioc, **journal);
  // Abandoned baskets (a lane that crashed) are swept once a minute.
  asio::steady_timer sweep(ioc);
  std::function<void()> sweep_baskets = [&] {
    sweep.expires_after(std::chrono::minutes(1));
    sweep.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      (*checkout)->expire(std::chrono::steady_clock::now(), std::chrono::minutes(config.basket_expiry_minutes));
      sweep_baskets();
    });
  };
  sweep_baskets();
  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  asio::signal_set hup(ioc, SIGHUP);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    logger->info("signal {}: stopping; finishing in-flight requests", sig);
    sd_notify(0, "STOPPING=1");
    server.stop();
    if (hq) hq->stop();
    for (auto& s : scanners) s->stop();
    for (auto& [t, p] : printers) p->stop();
    watchdog.stop();
    sweep.cancel();
    hup.cancel();
  });
  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      sd_notify(0, "RELOADING=1");
      if (reload(config_path, config, terminals, (*checkout)->reader())) {
        // A changed printer's waiting jobs are dropped with it (any receipt can be reprinted).
        start_scanners();
        start_printers();
        logger->info("reload: {} scanner(s), {} printer(s)", scanners.size(), printers.size());
      }
      sd_notify(0, "READY=1");
      wait_hup();
    });
  };
  wait_hup();

  const std::string host = bound->address().is_v6() ? "[" + bound->address().to_string() + "]"
                                                     : bound->address().to_string();
  if (config.plain_http && !bound->address().is_loopback()) {
    logger->warn("plain HTTP on {}: tokens cross the LAN unencrypted; configure tls", host);
  }
  logger->info("store {} serving on {}://{}:{}", config.store_id, config.plain_http ? "http" : "https", host,
               bound->port());
  sd_notify(0, "READY=1");
  if (hq) hq->start();
  watchdog.start();
  ioc.run();

  (*journal)->close();
  logger->info("journal closed at seq {}; bye", (*journal)->last_seq());
  return 0;
}

}  // namespace posd
