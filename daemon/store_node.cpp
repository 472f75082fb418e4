#include "daemon/store_node.h"

#include "base/allocator.h"
#include "base/log.h"
#include "checkout/state_check.h"
#include "daemon/tls.h"

namespace posd {

namespace {

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

// The settings that take effect only at start, by name, that differ.
std::vector<std::string> needing_restart(const Config& next, const Config& current) {
  std::vector<std::string> out;
  if (next.store_id != current.store_id) out.push_back("store_id");
  if (next.database != current.database) out.push_back("database");
  if (next.listen_host != current.listen_host || next.listen_port != current.listen_port) out.push_back("listen");
  if (next.tls_certificate != current.tls_certificate || next.tls_private_key != current.tls_private_key ||
      next.plain_http != current.plain_http) {
    out.push_back("tls/plain_http");
  }
  if (next.mqtt.has_value() != current.mqtt.has_value() ||
      (next.mqtt && (next.mqtt->url != current.mqtt->url || next.mqtt->client_id != current.mqtt->client_id ||
                     next.mqtt->topic_prefix != current.mqtt->topic_prefix))) {
    out.push_back("mqtt");
  }
  if (next.currency != current.currency || next.prices_include_tax != current.prices_include_tax ||
      next.cash_rounding != current.cash_rounding) {
    out.push_back("currency/prices_include_tax/cash_rounding");
  }
  if (next.time_zone != current.time_zone || next.business_day_starts != current.business_day_starts ||
      next.z_before_next_day != current.z_before_next_day) {
    out.push_back("time_zone/business_day_starts/z_before_next_day");
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<StoreNode>> StoreNode::open(boost::asio::io_context& ioc, Config config,
                                                   http::Server::Options server, const Clock& clock) {
  std::unique_ptr<StoreNode> node(new StoreNode(ioc, std::move(config), clock));
  if (Status s = node->build(server); !s) return s;
  return node;
}

StoreNode::StoreNode(boost::asio::io_context& ioc, Config config, const Clock& clock)
    : ioc_(ioc), config_(std::move(config)), clock_(clock) {}

StoreNode::~StoreNode() {
  if (devices_) devices_->stop();
  if (hq_) hq_->stop();
}

Status StoreNode::build(http::Server::Options server) {
  metrics_ = std::make_unique<Metrics>();
  Journal::Options jo;
  jo.db_path = config_.database;
  jo.store_id = config_.store_id;
  jo.check_state = check_state;
  jo.clock = &clock_;
  // The store's local day, kept in the database for posctl too.
  jo.time_zone = config_.time_zone;
  jo.business_day_starts = config_.business_day_starts;
  jo.on_commit = [m = metrics_.get()](size_t writes, std::chrono::nanoseconds took) {
    m->commit(writes, std::chrono::duration<double>(took).count());
  };
  auto journal = Journal::open(jo);
  if (!journal) {
    log::get("posd")->error("cannot open the journal {}: {}", config_.database, journal.status().to_string());
    return journal.status();
  }
  journal_ = std::move(*journal);
  log::get("posd")->info("journal {} open at seq {}; memory from {}", config_.database, journal_->last_seq(), allocator_name());

  auto checkout = Checkout::open(ioc_, *journal_, store_rules(config_), clock_);
  if (!checkout) return checkout.status();
  checkout_ = std::move(*checkout);
  if (auto kept = checkout_->restore(); !kept) {
    log::get("posd")->error("the baskets kept when posd last stopped could not be taken up: {}", kept.status().message());
  } else {
    if (kept->baskets > 0) log::get("posd")->info("{} basket(s) taken up where posd last left them", kept->baskets);
    if (kept->lost > 0) {
      log::get("posd")->warn("{} basket(s) with a tender, lost when posd last stopped, journaled as abandoned", kept->lost);
    }
  }
  terminals_ = std::make_unique<Terminals>(terminal_list());
  api_ = std::make_unique<Api>(*checkout_, *terminals_, metrics_.get());
  events_ = std::make_unique<Events>(*terminals_);
  checkout_->set_event_sink([this](const std::string& t, const nlohmann::json& e) { events_->publish(t, e); },
                            [this](const std::string& t) { return events_->listening(t); });
  checkout_->add_listener([this](const CheckoutEvent& e) {
    if (std::holds_alternative<LowStock>(e)) metrics_->low_stock_alert();
  });
  devices_ = std::make_unique<Devices>(ioc_, *checkout_, *events_, config_.store_id);
  api_->set_devices([this] { return devices_->list(); });

  server.events = events_.get();
  if (!config_.plain_http) {
    auto ctx = make_tls_context(config_);
    if (!ctx) return ctx.status();
    tls_.emplace(std::move(*ctx));
    server.tls = &*tls_;
  }
  server_ = std::make_unique<http::Server>(ioc_, api_->handler(), server);
  api_->set_server_figures([this] {
    return Metrics::ServerFigures{events_->queued_bytes(), events_->dropped(), server_->accept_failures()};
  });

  if (config_.mqtt) {
    auto opened = sync::StoreSync::open(ioc_, *journal_, sync_options(*config_.mqtt));
    if (!opened) return Status::unavailable("cannot start the HQ link: " + opened.status().message());
    hq_ = std::move(*opened);
    hq_->on_applied([this](const std::string& kind) {
      if (kind == "terminal") terminals_->reset(terminal_list());
    });
    api_->set_sync(hq_.get());
  } else {
    log::get("posd")->info("no mqtt configured: the store runs alone and keeps its journal for HQ");
  }
  return Status::ok();
}

// The configured terminals and HQ's; the configured ones alone if the
// database cannot be read.
std::vector<TerminalConfig> StoreNode::terminal_list() {
  auto all = all_terminals(config_.terminals, checkout_->reader());
  if (!all) {
    log::get("posd")->error("cannot read the terminals HQ provisioned: {}", all.status().message());
    return config_.terminals;
  }
  return *all;
}

Result<boost::asio::ip::tcp::endpoint> StoreNode::listen() {
  return server_->listen(config_.listen_host, config_.listen_port);
}

void StoreNode::start() {
  devices_->start(config_.scanners, config_.printers);
  if (hq_) hq_->start();
}

void StoreNode::stop() {
  server_->stop();
  if (hq_) hq_->stop();
  devices_->stop();
}

void StoreNode::close() {
  // The baskets outlive the process: they are taken up at the next start.
  if (checkout_) {
    auto n = checkout_->keep_baskets();
    if (!n) log::get("posd")->error("the open baskets could not be synced to disk: {}", n.status().message());
    else if (*n > 0) log::get("posd")->info("{} open basket(s) kept for the next start", *n);
  }
  journal_->close();
}

size_t StoreNode::expire_baskets() {
  return checkout_->expire(checkout_->clock().steady(), std::chrono::minutes(config_.basket_expiry_minutes));
}

void StoreNode::reload(const std::string& path) {
  auto logger = log::get("posd");
  auto next = load_config(path);
  if (!next) {
    logger->error("reload: keeping the running configuration: {}", next.status().message());
    return;
  }
  const std::vector<std::string> restart = needing_restart(*next, config_);
  config_.terminals = next->terminals;
  config_.log_level = next->log_level;
  config_.lane_priority = next->lane_priority;  // set by the loop after this (daemon/service.cpp)
  terminals_->reset(terminal_list());
  log::set_level(next->log_level);
  logger->info("reload: {} terminal(s), log level {}", next->terminals.size(), next->log_level);
  for (const std::string& key : restart) logger->warn("reload: {} changed; it takes effect after a restart", key);
  if (next->scanners != config_.scanners || next->printers != config_.printers) {
    // A changed printer's waiting jobs are dropped with it (any receipt can be reprinted).
    config_.scanners = next->scanners;
    config_.printers = next->printers;
    devices_->start(config_.scanners, config_.printers);
    logger->info("reload: {} scanner(s), {} printer(s)", devices_->scanner_count(), devices_->printer_count());
  }
}

}  // namespace posd
