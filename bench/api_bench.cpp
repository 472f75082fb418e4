// api_bench: N concurrent simulated lanes (1, 8, 64) against a real posd
// process with a 100,000-item catalog, every item's stock counted (each sale
// moves its items' rows, as in a store). Each lane, on its own keep-alive
// connection, opens a basket, scans 5 random items, pays cash and completes.
// Prints add-line latency p50/p99, completed sales per second against raw
// SQLite's one-row transactions on the same disk (each row of lanes in five
// turns with raw SQLite, its ratio against those turns' raw rows), posd's
// resident size after each row (VmRSS) and at its peak (VmHWM), and the CPU
// each of posd's threads and the lanes' client used in each row. Then the
// same 64 lanes against a bare Beast server with one and two loop threads
// (bench/http_floor.h): what HTTP alone costs on this machine.
// Usage: api_bench [DIR] [SALES_PER_RUN] [ITEMS] [PROMOTIONS]   (DIR on the disk to measure; default ./bench-data)
#include <signal.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "storage/catalog_json.h"
#include "base/gtin.h"
#include "storage/catalog.h"
#include "bench/bench_catalog.h"
#include "bench/http_floor.h"
#include "bench/lane_client.h"
#include "bench/proc_cpu.h"
#include "bench/raw_sqlite.h"
#include "storage/journal.h"
#include "storage/stock.h"

using namespace posd;
namespace beast = boost::beast;
namespace asio = boost::asio;
using json = nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

int g_items = 100000;
int g_promotions = 1;
const std::string kToken = "bench-lane-token-000000000";

using bench::gtin_of;

// posd's pid once started: a failed request kills it before aborting, so that
// it does not outlive the bench (and hold its output open).
pid_t g_posd = 0;

void load_catalog(const std::string& db) {
  Catalog c = bench::catalog(g_items, g_promotions);
  auto j = Journal::open({.db_path = db, .store_id = "BENCH"});
  if (!j) std::abort();
  auto r = (*j)->write([&](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (Status s = catalog::replace(ctx.db, c); !s) return s;
    // The stock counted, as a store's is: every sale moves the rows of its items.
    for (const Item& it : c.items) {
      if (auto moved = stock::count(ctx.db, it.sku, 1000000, ctx.next_seq); !moved) return moved.status();
    }
    return std::vector<Entry>{{"catalog_imported", {{"items", g_items}}}};
  });
  if (!r) std::abort();
}

struct Figures {
  double p50_us, p99_us, sales_per_s, seconds;
  double complete_p50_us;  // the complete's answer: its sale fsynced in the journal
  size_t body_bytes;  // the answers' bodies, in all
  double raw_per_s;   // raw one-row SQLite in the turns between (0: no turns)
  double raw_cpu_s;   // the CPU those raw turns took (the bench's own, not the lanes')
};

double thread_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

constexpr int kTurns = 5;

// `lanes` lanes, each selling `sales_per_lane`. With `raw`, in kTurns turns
// with raw one-row SQLite (as many rows a turn as sales), the lanes kept
// connected and started together at each turn.
Figures run_lanes(uint16_t port, int lanes, int sales_per_lane, bench::RawSqlite* raw = nullptr) {
  const int turns = raw ? kTurns : 1;
  const int each = std::max(1, sales_per_lane / turns);  // a lane's sales a turn
  std::mutex mu;
  std::vector<double> lat, completes;
  size_t bytes = 0;
  std::barrier gate(lanes + 1);
  std::vector<std::thread> threads;
  for (int l = 0; l < lanes; ++l) {
    threads.emplace_back([&, l] {
      bench::LaneClient c(port, kToken, [] { if (g_posd > 0) kill(g_posd, SIGKILL); });
      std::mt19937 rng(static_cast<unsigned>(l * 7919 + lanes));
      std::uniform_int_distribution<int> item(0, g_items - 1);
      std::vector<double> mine, mine_completes;
      for (int turn = 0; turn < turns; ++turn) {
        gate.arrive_and_wait();
        for (int s = 0; s < each; ++s) {
          const std::string id = c.call(beast::http::verb::post, "/v1/baskets")["id"];
          json basket;
          for (int k = 0; k < 5; ++k) {
            auto t0 = Steady::now();
            basket = c.call(beast::http::verb::post, "/v1/baskets/" + id + "/lines", {{"code", gtin_of(item(rng))}});
            mine.push_back(std::chrono::duration<double, std::micro>(Steady::now() - t0).count());
          }
          c.call(beast::http::verb::post, "/v1/baskets/" + id + "/tenders", {{"type", "cash"}, {"amount", basket["due"]}});
          auto t0 = Steady::now();
          c.call(beast::http::verb::post, "/v1/baskets/" + id + "/complete");
          mine_completes.push_back(std::chrono::duration<double, std::micro>(Steady::now() - t0).count());
        }
        gate.arrive_and_wait();
      }
      std::lock_guard lock(mu);
      lat.insert(lat.end(), mine.begin(), mine.end());
      completes.insert(completes.end(), mine_completes.begin(), mine_completes.end());
      bytes += c.body_bytes();
    });
  }
  double secs = 0, raw_secs = 0, raw_cpu = 0;
  for (int turn = 0; turn < turns; ++turn) {
    if (raw) {
      const double cpu0 = thread_cpu_s();
      raw_secs += raw->seconds(lanes * each, 1);
      raw_cpu += thread_cpu_s() - cpu0;
    }
    auto start = Steady::now();
    gate.arrive_and_wait();
    gate.arrive_and_wait();
    secs += std::chrono::duration<double>(Steady::now() - start).count();
  }
  for (auto& t : threads) t.join();
  std::sort(lat.begin(), lat.end());
  std::sort(completes.begin(), completes.end());
  auto pct = [](const std::vector<double>& v, double p) { return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))]; };
  const double sold = static_cast<double>(lanes) * each * turns;
  return {pct(lat, 0.5), pct(lat, 0.99), sold / secs, secs, pct(completes, 0.5), bytes, raw ? sold / raw_secs : 0, raw_cpu};
}

// The journal's commit figures from posd's /metrics: seconds in batches
// (transaction and fsync), batches, writes.
struct Commits {
  double seconds = 0, batches = 0, writes = 0;
};

Commits commits(uint16_t port) {
  bench::LaneClient c(port, kToken, [] { if (g_posd > 0) kill(g_posd, SIGKILL); });
  const std::string text = c.text(beast::http::verb::get, "/metrics");
  auto sample = [&](const std::string& name) {
    const size_t at = text.find("\n" + name + " ");
    return at == std::string::npos ? 0.0 : std::stod(text.substr(at + name.size() + 2));
  };
  return {sample("posd_journal_commit_seconds_sum"), sample("posd_journal_commit_seconds_count"),
          sample("posd_journal_commit_writes_sum")};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = std::filesystem::absolute(argc > 1 ? argv[1] : "bench-data");
  const int sales = argc > 2 ? std::stoi(argv[2]) : 256;
  if (argc > 3) g_items = std::stoi(argv[3]);
  if (argc > 4) g_promotions = std::stoi(argv[4]);
  const std::string bin = std::filesystem::path(argv[0]).parent_path().string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = dir + "/posd.db";

  // Before anything else runs: the limit the goal measures posd against.
  const double raw = bench::raw_sqlite(dir, 2000, 1);
  std::printf("api_bench: raw SQLite, one row a transaction: %.0f/s\n", raw);
  auto t0 = Steady::now();
  load_catalog(db);
  std::printf("api_bench: %d-item catalog with %d promotions loaded in %.1f s; database in %s\n", g_items, g_promotions,
              std::chrono::duration<double>(Steady::now() - t0).count(), dir.c_str());

  json config = {{"store_id", "BENCH"}, {"database", db}, {"listen", "127.0.0.1:0"}, {"plain_http", true},
                 // Every simulated lane uses one terminal id: 64 lanes hold 64 baskets at once.
                 {"max_open_baskets", 100},
                 {"terminals", {{{"id", "lane"}, {"token", kToken}, {"role", "cashier"}}}}};
  std::ofstream(dir + "/posd.json") << config.dump();
  const std::string err = dir + "/posd.err";
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(err.c_str(), "w", stderr)) _exit(126);
    execl((bin + "/posd").c_str(), "posd", "--config", (dir + "/posd.json").c_str(), nullptr);
    _exit(127);
  }
  g_posd = pid;
  // posd logs the port it bound once it serves.
  uint16_t port = 0;
  for (int i = 0; i < 500 && !port; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::smatch m;
    std::string log = read_file(err);
    std::regex log_re("serving on http://127\\.0\\.0\\.1:([0-9]+)");
    if (std::regex_search(log, m, log_re)) port = static_cast<uint16_t>(std::stoi(m[1]));
  }
  if (!port) {
    std::fprintf(stderr, "posd did not start: %s\n", read_file(err).c_str());
    kill(pid, SIGKILL);
    return 1;
  }

  auto mib = [pid](const char* field) {
    std::smatch m;
    std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
    std::regex re(std::string(field) + ":\\s*([0-9]+) kB");
    return std::regex_search(status, m, re) ? std::stod(m[1]) / 1024 : -1.0;
  };
  // Each row takes turns with raw SQLite on the same disk: its "÷ raw" is
  // against the raw rows of its own turns (this disk's moods move both).
  bench::RawSqlite raw_turns(dir + "/raw-turns.db");
  std::printf("\n%-9s %9s %9s %8s %14s %14s %14s %12s\n", "lanes", "sales/s", "raw /s", "÷ raw", "add-line p50",
              "add-line p99", "complete p50", "posd RSS");
  std::printf("%-9s %9s %9s %8s %14s %14s %14s %8.1f MiB\n", "(started)", "", "", "", "", "", "", mib("VmRSS"));
  Figures last{};
  for (int lanes : {1, 8, 64}) {
    const Commits commits_before = commits(port);
    const auto posd_before = bench::thread_cpu(pid), client_before = bench::process_cpu(getpid());
    Figures f = run_lanes(port, lanes, std::max(1, sales / lanes), &raw_turns);
    const Commits commits_after = commits(port);
    auto posd_after = bench::thread_cpu(pid), client_after = bench::process_cpu(getpid());
    for (auto& [name, cpu] : client_after) cpu -= f.raw_cpu_s;
    std::printf("%-9d %9.0f %9.0f %7.2fx %11.0f us %11.0f us %11.0f us %8.1f MiB\n", lanes, f.sales_per_s,
                f.raw_per_s, f.sales_per_s / f.raw_per_s, f.p50_us, f.p99_us, f.complete_p50_us, mib("VmRSS"));
    std::printf("          cores used: %s | lanes' client %s\n",
                bench::cores_between(posd_before, posd_after, f.seconds).c_str(),
                bench::cores_between(client_before, client_after, f.seconds).c_str());
    const double sold = f.sales_per_s * f.seconds;
    auto per_sale = [&](const std::string& thread) {
      return bench::used_between(posd_before, posd_after, thread) / sold * 1e6;
    };
    std::printf("          CPU per sale: loop %.0f us, journal writer %.0f us, receipt code's signer %.0f us\n",
                per_sale("posd"), per_sale("posd-journal"), per_sale("posd-sign"));
    const double batches = commits_after.batches - commits_before.batches;
    std::printf("          journal writer: in a batch %.0f %% of the time, %.1f writes a batch, a batch %.2f ms\n",
                (commits_after.seconds - commits_before.seconds) / f.seconds * 100,
                (commits_after.writes - commits_before.writes) / batches,
                (commits_after.seconds - commits_before.seconds) / batches * 1e3);
    last = f;
  }
  std::printf("\nposd peak RSS: %.1f MiB\n", mib("VmHWM"));
  kill(pid, SIGTERM);
  int st = 0;
  waitpid(pid, &st, 0);
  std::filesystem::remove_all(dir);

  // The same 64 lanes against HTTP alone, its answers the size of posd's.
  const int requests_per_sale = 8;  // open, five scans, tender, complete
  const double last_sold = last.sales_per_s * last.seconds;  // what the 64 lanes sold in all their turns
  const size_t body = last.body_bytes / static_cast<size_t>(std::max(1.0, std::round(last_sold)) * requests_per_sale);
  std::printf("\nHTTP alone (a bare Beast server, %zu-byte answers), 64 lanes:\n", body);
  std::printf("%-14s %9s %8s %13s %14s\n", "loop threads", "sales/s", "÷ raw", "requests/s", "add-line p99");
  for (int threads : {1, 2}) {
    auto [floor_pid, floor_port] = bench::start_http_floor(threads, body);
    if (floor_pid <= 0 || floor_port == 0) {
      std::fprintf(stderr, "the floor server did not start\n");
      return 1;
    }
    g_posd = floor_pid;
    const auto before = bench::thread_cpu(floor_pid), client_before = bench::process_cpu(getpid());
    Figures f = run_lanes(floor_port, 64, std::max(1, sales / 64));
    const auto after = bench::thread_cpu(floor_pid), client_after = bench::process_cpu(getpid());
    std::printf("%-14d %9.0f %7.2fx %13.0f %11.0f us\n", threads, f.sales_per_s, f.sales_per_s / raw,
                f.sales_per_s * requests_per_sale, f.p99_us);
    std::printf("          cores used: server %s | lanes' client %s\n",
                bench::cores_between(before, after, f.seconds).c_str(),
                bench::cores_between(client_before, client_after, f.seconds).c_str());
    kill(floor_pid, SIGKILL);
    waitpid(floor_pid, &st, 0);
  }
  return 0;
}
