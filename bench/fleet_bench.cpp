// fleet_bench: posd-hq against a simulated fleet (bench/fleet.h), on its own
// Mosquitto (plain TCP on loopback), its own PostgreSQL server (durable:
// fsync on) or a SQLite file, and M posd-hq instances in one share group.
// For each backend and M, in one run:
//   1. steady: every store completes a sale every 10 s on average, for
//      STEADY seconds: events/s stored at HQ, sale -> HQ ack p50/p99;
//      meanwhile the first store sells one sale at a time, each timed to its
//      "sales" row on HQ's feed (GET /v1/feed): p50/p99;
//   2. fan-out: one price change for every store, posted to the first
//      instance's HQ API (POST /v1/prices): time until each store has
//      applied it, p50/p99/max;
//   3. storm (EVENTS 0: skipped, with 4.): the broker is down while every store journals EVENTS sales;
//      then it returns: seconds until HQ holds them all, the slowest store;
//      then 500 availability queries of one SKU across every store (GET
//      /v1/availability/SKU-0 on one keep-alive connection): p50/p99;
//   4. the floor (PostgreSQL): the storm's rows COPYed into a table of the
//      same shape, one transaction per 256 rows (a store's batch).
// Usage: fleet_bench DIR [STORES] [EVENTS] [STEADY_SECONDS] [RUNS]
//   RUNS: comma-separated backend:M, default "postgres:1,postgres:2,sqlite:1"
#include <libpq-fe.h>
#include <signal.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "bench/fleet.h"
#include "hq/store.h"
#include "tests/support/port.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"
#include "tests/sync/feed_consumer.h"

using namespace posd;
using namespace std::chrono_literals;
using fleet::Steady;

namespace {

double since(Steady::time_point t0) { return std::chrono::duration<double>(Steady::now() - t0).count(); }

const std::string kApiToken = "fleet-bench-operator-token";

// One keep-alive connection to posd-hq's API on loopback.
class ApiClient {
 public:
  explicit ApiClient(uint16_t port) : stream_(ioc_) {
    stream_.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  }
  // The status and body of one request.
  std::pair<int, std::string> call(boost::beast::http::verb verb, const std::string& target, const std::string& body = {}) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer " + kApiToken);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream_, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream_, buf, res);
    return {static_cast<int>(res.result_int()), res.body()};
  }

 private:
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
};

// Thrown to main, so that every process started so far is stopped on the way.
[[noreturn]] void die(const std::string& why) { throw std::runtime_error(why); }

// Polls every 50 ms until `done`, or dies after `limit`.
template <typename F>
void wait_for(F done, double limit, const char* what) {
  const auto t0 = Steady::now();
  while (!done()) {
    if (since(t0) > limit) die(std::string("gave up waiting for ") + what);
    std::this_thread::sleep_for(50ms);
  }
}

class Mosquitto {
 public:
  Mosquitto(const std::string& dir) : dir_(dir), port_(test::unused_port()) {
    std::filesystem::create_directories(dir);
    // A fleet's backlog is many messages queued for HQ at once: far past
    // Mosquitto's default of 1,000 queued a client (docs/hq-operations.md).
    std::ofstream(dir + "/mosquitto.conf") << "listener " << port_ << " 127.0.0.1\nallow_anonymous true\n"
                                           << "persistence false\nmax_queued_messages 1000000\nuser root\n"
                                           << "log_dest stderr\nset_tcp_nodelay true\n";
  }
  void start() {
    proc_ = std::make_unique<test::Child>(std::vector<std::string>{"mosquitto", "-c", dir_ + "/mosquitto.conf"}, dir_);
    if (!proc_->wait_for_err(" running", 20)) die("mosquitto did not start");
  }
  void stop() {
    proc_->signal(SIGTERM);
    proc_->wait();
    proc_.reset();
  }
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string dir_;
  uint16_t port_;
  std::unique_ptr<test::Child> proc_;
};

// A process's peak resident set (VmHWM), as /proc shows it.
std::string peak_rss(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return line.substr(line.find_first_not_of(" \t", 6));
  }
  return "?";
}

// Sells one sale at a time at the fleet's first store, 100-200 ms apart,
// and times each to its "sales" row on HQ's feed (GET /v1/feed, the API's
// WebSocket), until stop(): the latencies in ms.
class FeedProbe {
 public:
  FeedProbe(fleet::Fleet& f, uint16_t api_port)
      : f_(f), store_(f.ids()[0]), feed_(api_port, kApiToken, std::nullopt, [this](const nlohmann::json& r) {
          if (r["type"] != "sales" || r["store_id"] != store_) return;
          std::lock_guard lock(mu_);
          covered_.emplace(r["as_of_seq"].get<uint64_t>(), Steady::now());
        }), thread_([this] { run(); }) {}
  // At the end of the steady phase.
  std::vector<double> stop() {
    stop_ = true;
    thread_.join();
    feed_.stop();
    if (!failed_.empty()) die(failed_);
    return took_;
  }

 private:
  void run() {
    std::this_thread::sleep_for(500ms);  // the consumer connects
    while (!stop_) {
      const auto t0 = Steady::now();
      f_.sell(0, 1);
      const uint64_t seq = f_.figures()[0].journal_seq;
      std::optional<Steady::time_point> seen;
      while (!seen && since(t0) < 10) {
        {
          std::lock_guard lock(mu_);
          auto at = covered_.lower_bound(seq);
          if (at != covered_.end()) seen = at->second;
        }
        if (!seen) std::this_thread::sleep_for(1ms);
      }
      if (!seen) {
        failed_ = "no feed row for " + store_ + "'s sale at seq " + std::to_string(seq) + " within 10 s";
        return;
      }
      took_.push_back(std::chrono::duration<double, std::milli>(*seen - t0).count());
      std::this_thread::sleep_for(std::chrono::milliseconds(100 + std::rand() % 100));
    }
  }

  fleet::Fleet& f_;
  std::string store_;
  std::mutex mu_;
  std::map<uint64_t, Steady::time_point> covered_;  // as_of_seq of the store's sales rows -> arrival
  test::FeedConsumer feed_;
  std::vector<double> took_;
  std::string failed_;  // set by the probe's thread, thrown by stop()
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct Figures {
  double steady_events_per_s = 0, ack_p50 = 0, ack_p99 = 0;
  uint64_t steady_sales = 0;
  double fan_p50 = 0, fan_p99 = 0, fan_max = 0;
  double storm_s = 0, storm_slowest_s = 0, storm_events_per_s = 0, storm_make_s = 0;
  double floor_rows_per_s = 0;
};

bool all_acked(fleet::Fleet& f) {
  for (const auto& s : f.figures()) {
    if (s.hq_acked_seq != s.journal_seq) return false;
  }
  return true;
}

// The storm's rows again, COPYed 256 to a transaction into a table like hq_event.
double copy_floor(const std::string& url) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) die("floor: cannot connect");
  auto exec = [&](const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    const auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_COPY_IN && st != PGRES_COPY_OUT) {
      die("floor: " + sql + ": " + PQerrorMessage(c));
    }
    PQclear(r);
  };
  exec("DROP TABLE IF EXISTS floor_event");
  exec("CREATE TABLE floor_event (LIKE hq_event INCLUDING ALL)");
  const std::string cols = "store_id, seq, ts, business_day, type, payload, prev_hash, hash, signature";
  // Every row as COPY's text lines, read back from what HQ stored.
  std::vector<std::string> rows;
  exec("COPY (SELECT " + cols + " FROM hq_event WHERE type = 'sale' ORDER BY store_id, seq) TO STDOUT");
  char* buf = nullptr;
  int n;
  while ((n = PQgetCopyData(c, &buf, 0)) > 0) {
    rows.emplace_back(buf, n);
    PQfreemem(buf);
  }
  PQclear(PQgetResult(c));
  const auto t0 = Steady::now();
  for (size_t from = 0; from < rows.size(); from += 256) {
    exec("BEGIN");
    exec("COPY floor_event (" + cols + ") FROM STDIN");
    for (size_t i = from; i < std::min(rows.size(), from + 256); ++i) {
      if (PQputCopyData(c, rows[i].data(), static_cast<int>(rows[i].size())) != 1) die("floor: copy data");
    }
    if (PQputCopyEnd(c, nullptr) != 1) die("floor: copy end");
    PGresult* r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) die(std::string("floor: copy: ") + PQerrorMessage(c));
    PQclear(r);
    exec("COMMIT");
  }
  const double s = since(t0);
  PQfinish(c);
  return rows.size() / s;
}

Figures run(const std::string& dir, const std::string& backend, int instances, size_t stores, size_t events,
            int steady_seconds, test::Postgres* pg) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Figures out;
  Mosquitto broker(dir + "/broker");
  broker.start();
  std::string db;
  if (backend == "postgres") {
    const std::string name = "fleet_" + std::to_string(instances);
    pg->drop_database(name);
    pg->create_database(name);
    db = pg->url(name);
  } else {
    db = dir + "/hq.db";
  }
  fleet::FleetOptions o;
  o.broker_url = broker.url();
  o.key_dir = dir + "/keys";
  o.stores = stores;
  o.max_backoff = 5000ms;  // posd's is 30 s: the storm would mostly time the backoff
  auto made = fleet::Fleet::create(o);
  if (!made) die(made.status().message());
  fleet::Fleet& f = **made;
  {
    auto hq = hq::open_store(db);
    if (!hq) die(hq.status().message());
    for (size_t i = 0; i < stores; ++i) {
      if (Status s = (*hq)->register_store(f.ids()[i], f.public_key_pem(i)); !s) die(s.message());
    }
  }
  std::vector<std::unique_ptr<test::Child>> hqs;
  const uint16_t api_port = test::unused_port();
  {
    std::ofstream tokens(dir + "/api-tokens.json");
    tokens << "{\"tokens\": [{\"name\": \"bench\", \"role\": \"operator\", \"token\": \"" << kApiToken << "\"}]}";
  }
  for (int k = 0; k < instances; ++k) {
    const std::string own = dir + "/hq-" + std::to_string(k + 1);
    std::filesystem::create_directories(own);
    std::vector<std::string> argv{test::bin("posd-hq"), "serve", "--db", db, "--url", broker.url(), "--client-id",
                                  "hq-" + std::to_string(k + 1), "--share-group", "hq", "--log-level", "warn"};
    if (k == 0) {
      argv.insert(argv.end(), {"--api", "127.0.0.1:" + std::to_string(api_port), "--api-tokens", dir + "/api-tokens.json",
                               "--api-plain"});
    }
    hqs.push_back(std::make_unique<test::Child>(argv, own));
  }
  std::this_thread::sleep_for(500ms);
  f.connect();
  wait_for([&] { return all_acked(f); }, 300, "the genesis events");
  f.take_ack_latencies();

  // 1. steady state, with store 0 timing its sales to HQ's feed meanwhile
  FeedProbe probe(f, api_port);
  const auto steady_start = Steady::now();
  out.steady_sales = f.sell_steadily(10s, std::chrono::seconds(steady_seconds));
  const auto feed_lat = probe.stop();
  std::printf("  feed: a sale at %s -> its sales row on GET /v1/feed: p50 %.1f ms p99 %.1f ms (%zu sales, 100-200 ms apart)\n",
              f.ids()[0].c_str(), fleet::percentile(feed_lat, 50), fleet::percentile(feed_lat, 99), feed_lat.size());
  wait_for([&] { return all_acked(f); }, 120, "the steady sales");
  out.steady_events_per_s = out.steady_sales / since(steady_start);
  auto lat = f.take_ack_latencies();
  out.ack_p50 = fleet::percentile(lat, 50);
  out.ack_p99 = fleet::percentile(lat, 99);
  std::printf("  steady: %llu sales in %.1f s (%.0f/s), ack p50 %.1f ms p99 %.1f ms\n",
              static_cast<unsigned long long>(out.steady_sales), since(steady_start), out.steady_events_per_s, out.ack_p50,
              out.ack_p99);
  std::fflush(stdout);

  // 2. fan-out
  ApiClient api(api_port);
  const auto fan_start = Steady::now();
  auto price = api.call(boost::beast::http::verb::post, "/v1/prices", R"({"prices": [{"sku": "SKU-0", "price": 249}]})");
  if (price.first != 202) die("POST /v1/prices: " + std::to_string(price.first) + " " + price.second);
  const double price_ms = since(fan_start) * 1000;
  std::vector<double> fan;
  wait_for([&] {
    auto at = f.applied_at(1);
    fan.clear();
    for (const auto& t : at) {
      if (!t) return false;
      fan.push_back(std::chrono::duration<double, std::milli>(*t - fan_start).count());
    }
    return true;
  }, 300, "the price at every store");
  out.fan_p50 = fleet::percentile(fan, 50);
  out.fan_p99 = fleet::percentile(fan, 99);
  out.fan_max = fleet::percentile(fan, 100);
  std::printf("  fan-out: applied p50 %.0f ms p99 %.0f ms max %.0f ms (POST /v1/prices itself, %zu down-logs: %.0f ms)\n",
              out.fan_p50, out.fan_p99, out.fan_max, stores, price_ms);
  wait_for([&] { return all_acked(f); }, 120, "the hq_applied events");
  std::fflush(stdout);

  // 3. storm (EVENTS 0: none)
  if (events == 0) {
    f.disconnect();
    for (auto& h : hqs) {
      h->signal(SIGTERM);
      h->wait();
    }
    broker.stop();
    return out;
  }
  broker.stop();
  const auto make_start = Steady::now();
  for (size_t i = 0; i < stores; ++i) f.sell(i, events);
  out.storm_make_s = since(make_start);
  broker.start();
  const auto storm_start = Steady::now();
  // Clocked at HQ: until its database holds every store's journal.
  std::vector<uint64_t> target;
  for (const auto& s : f.figures()) target.push_back(s.journal_seq);
  std::vector<double> done_at(stores, -1);
  auto hq = hq::open_store(db);
  if (!hq) die(hq.status().message());
  wait_for([&] {
    bool all = true;
    for (size_t i = 0; i < stores; ++i) {
      if (done_at[i] >= 0) continue;
      auto held = (*hq)->acked_seq(f.ids()[i]);
      if (held && *held >= target[i]) {
        done_at[i] = since(storm_start);
      } else {
        all = false;
      }
    }
    if (!all) std::this_thread::sleep_for(200ms);
    return all;
  }, 1800, "the storm's backlog at HQ");
  out.storm_s = since(storm_start);
  wait_for([&] { return all_acked(f); }, 1800, "the stores' acks after the storm");
  const double stores_acked_s = since(storm_start);
  out.storm_slowest_s = fleet::percentile(done_at, 100);
  out.storm_events_per_s = static_cast<double>(stores * events) / out.storm_s;
  uint64_t resends = 0, connects = 0;
  for (const auto& s : f.figures()) {
    resends += s.resends;
    connects += s.connects;
  }
  std::printf("  storm: %zu events made in %.1f s; HQ held them all %.1f s after the broker returned (%.0f events/s), "
              "slowest store %.1f s; every store had its ack at %.1f s; %llu connects, %llu resends\n",
              stores * events, out.storm_make_s, out.storm_s, out.storm_events_per_s, out.storm_slowest_s, stores_acked_s,
              static_cast<unsigned long long>(connects), static_cast<unsigned long long>(resends));
  std::fflush(stdout);
  {
    ApiClient api(api_port);  // the fan-out's connection timed out long ago
    std::vector<double> took;
    for (int i = 0; i < 500; ++i) {
      const auto t0 = Steady::now();
      auto r = api.call(boost::beast::http::verb::get, "/v1/availability/SKU-0");
      took.push_back(since(t0) * 1000);
      if (r.first != 200) die("GET /v1/availability: " + std::to_string(r.first));
      if (i == 0) {
        size_t listed = 0;
        for (size_t at = r.second.find("\"store_id\""); at != std::string::npos; at = r.second.find("\"store_id\"", at + 1)) ++listed;
        if (listed != stores) die("availability lists " + std::to_string(listed) + " stores, not " + std::to_string(stores));
        std::printf("  availability answer: %zu bytes for %zu stores\n", r.second.size(), listed);
      }
    }
    std::printf("  availability of one SKU across %zu stores: p50 %.2f ms p99 %.2f ms (500 queries, one connection)\n",
                stores, fleet::percentile(took, 50), fleet::percentile(took, 99));
  }
  std::string peaks;
  for (auto& h : hqs) peaks += (peaks.empty() ? "" : ", ") + peak_rss(h->pid());
  std::printf("  posd-hq peak RSS: %s\n", peaks.c_str());
  f.disconnect();
  for (auto& h : hqs) {
    h->signal(SIGTERM);
    h->wait();
  }
  if (backend == "postgres") {
    out.floor_rows_per_s = copy_floor(db);
    std::printf("  floor: COPY of the same rows, 256 a transaction: %.0f rows/s; storm ingest / floor = %.2f\n",
                out.floor_rows_per_s, out.storm_events_per_s / out.floor_rows_per_s);
  }
  broker.stop();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  try {
  if (argc < 2) die("usage: fleet_bench DIR [STORES] [EVENTS] [STEADY_SECONDS] [RUNS]");
  const std::string dir = std::filesystem::absolute(argv[1]);
  const size_t stores = argc > 2 ? std::stoul(argv[2]) : 1000;
  const size_t events = argc > 3 ? std::stoul(argv[3]) : 1000;
  const int steady = argc > 4 ? std::stoi(argv[4]) : 60;
  std::string runs = argc > 5 ? argv[5] : "postgres:1,postgres:2,sqlite:1";
  std::unique_ptr<test::Postgres> pg;
  std::stringstream list(runs);
  for (std::string one; std::getline(list, one, ',');) {
    const auto colon = one.find(':');
    const std::string backend = one.substr(0, colon);
    const int m = colon == std::string::npos ? 1 : std::stoi(one.substr(colon + 1));
    if (backend == "postgres" && !pg) pg = std::make_unique<test::Postgres>(true);
    std::printf("fleet_bench: %s, %d instance(s), %zu stores, %zu events each in the storm, %d s steady\n",
                backend.c_str(), m, stores, events, steady);
    std::fflush(stdout);
    run(dir + "/" + backend + "-" + std::to_string(m), backend, m, stores, events, steady, pg.get());
  }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fleet_bench: %s\n", e.what());
    return 2;
  }
  return 0;
}
