#include "daemon/service.h"

#include <systemd/sd-daemon.h>
#include <sys/stat.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <filesystem>

#include "base/log.h"
#include "daemon/store_node.h"

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

void log_serving(const Config& config, const asio::ip::tcp::endpoint& bound) {
  const std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
  if (config.plain_http && !bound.address().is_loopback()) {
    log::get("posd")->warn("plain HTTP on {}: tokens cross the LAN unencrypted; configure tls", host);
  }
  log::get("posd")->info("store {} serving on {}://{}:{}", config.store_id, config.plain_http ? "http" : "https", host,
                         bound.port());
}

// The loop's thread is the caller's: the lanes ahead of posd's other
// threads when the configuration and the kernel allow it. The log says
// what the loop runs at, whatever was asked.
void serve_lanes(LanePriority priority) {
  auto logger = log::get("posd");
  const Status s = set_lane_priority(priority);
  const std::string now = scheduling_of_this_thread();
  if (!s) {
    logger->warn("{}; the event loop runs at {}", s.message(), now);
  } else if (priority == LanePriority::realtime) {
    logger->info("the lanes are served first: the event loop runs at {}", now);
  } else {
    logger->info("the event loop runs at {} (lane_priority normal)", now);
  }
}

}  // namespace

// Over 60 lines: the process's life in order: open, listen, timers, signals, serve, close.
int run_service(const Config& initial, const std::string& config_path) {
  auto logger = log::get("posd");
  log::set_level(initial.log_level);
  ::umask(077);  // the database, its WAL and the keys are the service user's alone

  if (Status s = make_state_dir(initial.database); !s) {
    logger->error("{}", s.message());
    return 1;
  }
  asio::io_context ioc(1);
  auto opened = StoreNode::open(ioc, initial);
  if (!opened) {
    logger->error("cannot start the store node: {}", opened.status().to_string());
    return 1;
  }
  StoreNode& node = **opened;
  auto bound = node.listen();
  if (!bound) {
    logger->error("{}", bound.status().message());
    return 1;
  }
  Watchdog watchdog(ioc, node.journal());
  // Abandoned baskets (a lane that crashed) are swept once a minute.
  asio::steady_timer sweep(ioc);
  std::function<void()> sweep_baskets = [&] {
    sweep.expires_after(std::chrono::minutes(1));
    sweep.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      node.expire_baskets();
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
    node.stop();
    watchdog.stop();
    sweep.cancel();
    hup.cancel();
  });
  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      sd_notify(0, "RELOADING=1");
      node.reload(config_path);
      serve_lanes(node.config().lane_priority);  // again: a refusal at the start may be lifted
      sd_notify(0, "READY=1");
      wait_hup();
    });
  };
  wait_hup();

  log_serving(node.config(), *bound);
  sd_notify(0, "READY=1");
  node.start();
  watchdog.start();
  serve_lanes(node.config().lane_priority);
  ioc.run();

  node.close();
  logger->info("journal closed at seq {}; bye", node.journal().last_seq());
  return 0;
}

}  // namespace posd
