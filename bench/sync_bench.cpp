// sync_bench: how fast a store's backlog reaches HQ, against the broker's own
// floor. In one run, on loopback Mosquitto (plain TCP):
//   1. drain: a store with N journal events not yet at HQ (a sale-sized
//      payload each) starts; the clock runs until posd-hq holds all N,
//      verified and acked, in its database;
//   2. baseline: mosquitto_pub --repeat publishes N messages of the same size at
//      QoS 1 to a mosquitto_sub -C N at QoS 1; the clock runs until the
//      subscriber has them all;
//   3. catalog: posd-hq catalog publish of a C-item catalog to the running
//      store; the clock runs until the store has applied and acked it all;
//      meanwhile a lane scans one item after another and sells every five
//      (cash, complete), its add-line and complete latencies set against the
//      same lane's alone just before. The lane's client stands for a
//      terminal on a machine of its own: it runs at real-time priority 1
//      when the kernel allows (POSD_BENCH_LANE_PRIORITY=normal: not), so
//      that its own wait for a core on this machine is not counted as
//      posd's; the line "lane:" says which;
//   4. sale -> ack: S cash sales one after another through posd's API; each
//      clocked from the complete's HTTP answer to HQ's ack of its seq as the
//      store hears it (a subscriber of the store's ack topic); p50/p99/max.
// Usage: sync_bench [DIR] [EVENTS] [CATALOG_ITEMS] [SALES]   (docs/benchmarks.md)
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "bench/backlog.h"
#include "bench/bench_catalog.h"
#include "bench/fleet.h"
#include "bench/lane_client.h"
#include "bench/proc_cpu.h"
#include "storage/catalog.h"
#include "storage/catalog_json.h"
#include "storage/journal.h"
#include "storage/sales.h"
#include "sync/link.h"
#include "tests/support/port.h"
#include "sync/protocol.h"

extern char** environ;

using namespace posd;
using json = nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

std::string g_bin;

// A child process; stdout and stderr to `log`, stdin from `input` if given.
class Proc {
 public:
  Proc(const std::vector<std::string>& argv, const std::string& log, const std::string& input = "/dev/null") {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, input.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) {
      std::fprintf(stderr, "sync_bench: cannot start %s\n", args[0]);
      std::exit(2);
    }
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Proc() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      wait();
    }
  }
  // CPU seconds the process has used (user + system), from /proc.
  double cpu_seconds() const { return bench::stat_cpu("/proc/" + std::to_string(pid_) + "/stat").second; }
  int wait() {
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    return st;
  }

 private:
  pid_t pid_ = -1;
};

int64_t query(const std::string& db, const std::string& sql) {
  auto d = sql::Db::open(db, sql::Db::Mode::read_only);
  if (!d) return -1;
  auto v = d->query_int(sql);
  return v && *v ? **v : -1;
}

void wait_for(const std::function<bool()>& done, const char* what) {
  auto deadline = Steady::now() + std::chrono::minutes(10);
  while (!done()) {
    if (Steady::now() > deadline) {
      std::fprintf(stderr, "sync_bench: timed out waiting for %s\n", what);
      std::exit(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

double seconds_since(Steady::time_point t0) { return std::chrono::duration<double>(Steady::now() - t0).count(); }

const std::string kToken = "bench-lane-token-000000000";

// HQ's journal acks for the store, as the store hears them: a subscriber of
// its ack topic on the same broker, on a thread of its own.
class AckWatch {
 public:
  explicit AckWatch(const std::string& url) : work_(boost::asio::make_work_guard(io_)) {
    sync::LinkOptions o;
    o.url = url;
    o.client_id = "sync-bench-acks";
    o.subscriptions = {sync::Topics{"posd", "BENCH"}.down_ack()};
    sync::LinkHandlers h;
    h.on_up = [this] { set([&] { up_ = true; }); };
    h.on_message = [this](const std::string&, const std::string& payload) {
      auto m = sync::decode(payload);
      const sync::Ack* ack = m ? std::get_if<sync::Ack>(&*m) : nullptr;
      if (ack && ack->type == "journal_ack") set([&] { acked_ = std::max(acked_, ack->seq); });
    };
    link_ = std::make_unique<sync::Link>(io_, o, h);
    thread_ = std::thread([this] { io_.run(); });
    boost::asio::post(io_, [this] { link_->start(); });
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return up_; });
  }
  ~AckWatch() {
    boost::asio::post(io_, [this] { link_.reset(); });
    work_.reset();
    thread_.join();
  }
  // When HQ's ack of `seq` (or a later one) arrived; waits for it.
  Steady::time_point acked(uint64_t seq) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return acked_ >= seq; });
    return Steady::now();
  }

 private:
  void set(const std::function<void()>& f) {
    std::lock_guard lock(mu_);
    f();
    cv_.notify_all();
  }
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<sync::Link> link_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool up_ = false;
  uint64_t acked_ = 0;
};

// A small catalog (so that the lane can sell in phase 4 whether or not HQ
// publishes one), then N sale events.
size_t make_backlog(const std::string& db, int events) {
  auto j = Journal::open({.db_path = db, .store_id = "BENCH"});
  if (!j) std::exit(2);
  Catalog small = bench::catalog(100);
  if (!(*j)->write([&](WriteContext& ctx) -> Result<std::vector<Entry>> {
        if (Status s = catalog::replace(ctx.db, small); !s) return s;
        return std::vector<Entry>{{"catalog_imported", {{"items", 100}}}};
      })) {
    std::exit(2);
  }
  bench::write_sales(**j, events);
  // The size of one event as it travels (a one-event journal message).
  auto d = sql::Db::open(db, sql::Db::Mode::read_only);
  size_t size = 0;
  scan_journal(*d, 3, [&](const Event& e) {  // the first sale, after the genesis and the catalog
    size = sync::encode(sync::JournalBatch{"BENCH", {e}}).size();
    return Status::unavailable("one is enough");
  });
  return size;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = std::filesystem::absolute(argc > 1 ? argv[1] : "sync-bench-data");
  const int events = argc > 2 ? std::stoi(argv[2]) : 100000;
  const int items = argc > 3 ? std::stoi(argv[3]) : 100000;
  const int sales = argc > 4 ? std::stoi(argv[4]) : 1000;
  g_bin = std::filesystem::path(argv[0]).parent_path();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto f = [&](const std::string& name) { return dir + "/" + name; };

  // The broker's port, and posd's HTTP port: ports nothing listens on.
  const int port = test::unused_port();
  const int http_port = test::unused_port();
  {
    std::ofstream conf(f("mosquitto.conf"));
    conf << "listener " << port << " 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nset_tcp_nodelay true\n"
         << "user root\n";
  }
  Proc broker({"mosquitto", "-c", f("mosquitto.conf")}, f("mosquitto.log"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::string url = "tcp://127.0.0.1:" + std::to_string(port);

  const size_t size = make_backlog(f("store.db"), events);
  const int64_t last = query(f("store.db"), "SELECT MAX(seq) FROM journal");
  std::printf("sync_bench: %lld journal events waiting, %zu bytes each as one-event messages\n",
              static_cast<long long>(last), size);

  Proc(std::vector<std::string>{g_bin + "/posd-hq", "store", "add", "--db", f("hq.db"), "--store", "BENCH", "--pubkey",
                                f("store.db.pub")},
       f("hq-add.log"))
      .wait();
  Proc hq({g_bin + "/posd-hq", "serve", "--db", f("hq.db"), "--url", url}, f("hq.log"));
  {
    std::ofstream conf(f("posd.json"));
    conf << json{{"store_id", "BENCH"},
                 {"database", f("store.db")},
                 {"listen", "127.0.0.1:" + std::to_string(http_port)},
                 {"plain_http", true},
                 {"log_level", "warn"},
                 {"terminals", {{{"id", "lane-1"}, {"token", kToken}, {"role", "cashier"}}}},
                 {"mqtt", {{"url", url}}}}
                .dump();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  // 1. The drain.
  auto t0 = Steady::now();
  const double hq_cpu0 = hq.cpu_seconds();
  Proc posd({g_bin + "/posd", "--config", f("posd.json")}, f("posd.log"));
  wait_for([&] { return query(f("hq.db"), "SELECT acked_seq FROM hq_store WHERE store_id = 'BENCH'") == last; },
           "HQ to hold the backlog");
  const double drain = seconds_since(t0);
  const double posd_cpu = posd.cpu_seconds(), hq_cpu = hq.cpu_seconds() - hq_cpu0;

  // 2. The baseline: one message per event, QoS 1, through the same broker.
  Proc sub({"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(port), "-q", "1", "-t", "bench/baseline", "-C",
            std::to_string(last)},
           "/dev/null");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto t1 = Steady::now();
  // --repeat, not -l: mosquitto_pub 2.0 -l drops messages at QoS 1 when
  // stdin outruns its in-flight window.
  Proc pub({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(port), "-q", "1", "-t", "bench/baseline", "-m",
            std::string(size, 'x'), "--repeat", std::to_string(last)},
           f("pub.log"));
  sub.wait();
  const double baseline = seconds_since(t1);
  pub.wait();

  std::printf("drain:    %lld events in %.2f s = %.0f events/s (posd -> Mosquitto -> posd-hq, verified and acked)\n",
              static_cast<long long>(last), drain, static_cast<double>(last) / drain);
  std::printf("baseline: %lld messages in %.2f s = %.0f messages/s (mosquitto_pub -> mosquitto_sub, QoS 1)\n",
              static_cast<long long>(last), baseline, static_cast<double>(last) / baseline);
  std::printf("ratio:    drain is %.2fx the one-message-per-event baseline\n", baseline / drain);
  std::printf("          during the drain posd used %.2f CPU-s (%.0f %% of one core), posd-hq %.2f (%.0f %%)\n", posd_cpu,
              100 * posd_cpu / drain, hq_cpu, 100 * hq_cpu / drain);

  // 3. A whole catalog from HQ, applied by the running store, while a lane
  // scans: its add-line latency is measured alone first, then during the apply.
  if (items > 0) {
    std::ofstream(f("catalog.json")) << bench::catalog_document(items).dump();
    std::atomic<bool> applying{true};
    // A lane: add-line latencies into `ms`, and every five lines the basket
    // sold (cash, complete: a journal write) with the complete's into `sold`.
    const char* lane_priority = std::getenv("POSD_BENCH_LANE_PRIORITY");
    const bool lane_realtime = !(lane_priority && std::string(lane_priority) == "normal");
    std::atomic<bool> lane_was_realtime{lane_realtime};
    auto scan = [&](const std::function<bool(int)>& more, std::vector<double>& ms, std::vector<double>& sold) {
      sched_param param{};
      param.sched_priority = 1;
      if (lane_realtime && ::sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &param) != 0) lane_was_realtime = false;
      bench::LaneClient lane(static_cast<uint16_t>(http_port), kToken);
      using boost::beast::http::verb;
      auto since = [](Steady::time_point t) { return std::chrono::duration<double, std::milli>(Steady::now() - t).count(); };
      std::string id;
      nlohmann::json basket;
      for (int i = 0; more(i); ++i) {
        if (i % 5 == 0) {  // a basket of five lines, as in api_bench
          if (!id.empty()) {
            lane.call(verb::post, "/v1/baskets/" + id + "/tenders", {{"type", "cash"}, {"amount", basket["due"]}});
            const auto t = Steady::now();
            lane.call(verb::post, "/v1/baskets/" + id + "/complete", nullptr, "sync-bench-lane-" + id);
            sold.push_back(since(t));
          }
          id = lane.call(verb::post, "/v1/baskets")["id"];
        }
        const auto t = Steady::now();
        basket = lane.call(verb::post, "/v1/baskets/" + id + "/lines", {{"code", bench::gtin_of(i % 100)}});
        ms.push_back(since(t));
      }
      if (!id.empty()) lane.call(verb::delete_, "/v1/baskets/" + id);
      param.sched_priority = 0;  // back to normal (keeping the flag needs no privilege)
      if (lane_realtime) ::sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &param);
    };
    std::vector<double> alone, sold_alone, during, sold_during;
    scan([](int i) { return i < 1000; }, alone, sold_alone);
    std::thread lane([&] { scan([&](int) { return applying.load(); }, during, sold_during); });
    auto t2 = Steady::now();
    Proc(std::vector<std::string>{g_bin + "/posd-hq", "catalog", "publish", "--db", f("hq.db"), "--store", "BENCH",
                                  f("catalog.json")},
         f("publish.log"))
        .wait();
    const double published = seconds_since(t2);
    const int64_t head = query(f("hq.db"), "SELECT MAX(hq_seq) FROM hq_down WHERE store_id = 'BENCH'");
    wait_for([&] { return query(f("hq.db"), "SELECT acked FROM hq_down_ack WHERE store_id = 'BENCH'") == head; },
             "the store to apply the catalog");
    const double took = seconds_since(t2);
    applying = false;
    lane.join();
    std::printf("catalog:  %d items (%lld entries) published and applied in %.2f s = %.0f items/s"
                " (posd-hq catalog publish itself: %.2f s)\n",
                items, static_cast<long long>(head), took, items / took, published);
    std::printf("lane:     the client at %s (a terminal on a machine of its own)\n",
                lane_was_realtime ? "real-time priority 1" : "normal priority");
    std::printf("lane:     add-line alone (%zu scans): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", alone.size(),
                fleet::percentile(alone, 50), fleet::percentile(alone, 99), fleet::percentile(alone, 100));
    std::printf("lane:     add-line during the apply (%zu scans): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                during.size(), fleet::percentile(during, 50), fleet::percentile(during, 99),
                fleet::percentile(during, 100));
    std::printf("lane:     complete alone (%zu sales): p50 %.2f ms, max %.2f ms; during the apply (%zu): p50 %.2f ms,"
                " p90 %.2f ms, max %.2f ms\n",
                sold_alone.size(), fleet::percentile(sold_alone, 50), fleet::percentile(sold_alone, 100),
                sold_during.size(), fleet::percentile(sold_during, 50), fleet::percentile(sold_during, 90),
                fleet::percentile(sold_during, 100));
  }

  // 4. Sale -> HQ's ack, one sale at a time.
  if (sales > 0) {
    AckWatch acks(url);
    bench::LaneClient lane(static_cast<uint16_t>(http_port), kToken);
    using boost::beast::http::verb;
    std::vector<double> ms;
    for (int i = 0; i < sales; ++i) {
      const std::string id = lane.call(verb::post, "/v1/baskets")["id"];
      json basket = lane.call(verb::post, "/v1/baskets/" + id + "/lines", {{"code", bench::gtin_of(i % 100)}});
      lane.call(verb::post, "/v1/baskets/" + id + "/tenders", {{"type", "cash"}, {"amount", basket["due"]}});
      json sale = lane.call(verb::post, "/v1/baskets/" + id + "/complete", nullptr, "sync-bench-" + std::to_string(i));
      const auto answered = Steady::now();
      ms.push_back(std::chrono::duration<double, std::milli>(acks.acked(sale["seq"].get<uint64_t>()) - answered).count());
    }
    std::printf("sale->ack: %d sales, HQ's ack after the sale's answer: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                sales, fleet::percentile(ms, 50), fleet::percentile(ms, 99), fleet::percentile(ms, 100));
  }
  return 0;
}
