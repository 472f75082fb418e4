// journal_bench: appends per second on one disk, in one run, of
//   1. raw SQLite, one row per transaction (same pragmas, same table);
//   2. raw SQLite, 100 rows per transaction;
//   3. posd's Journal (hash, Ed25519 signature, group commit) under 1, 8 and
//      64 concurrent writers, with p50/p99/max append latency (the max shows
//      a stall of the writer, such as a chain check every 10,000 events) and
//      a batch's mean time on the writer (its transaction and fsync).
// Each journal row takes turns with raw one-row SQLite (ten turns each way,
// both databases kept open), and its "÷ raw" is against the raw rows of
// those same turns: this disk's moods, which move raw SQLite by half within
// a minute, fall on both sides of the ratio.
// Usage: journal_bench [DIR] [APPENDS] [WRITERS...]   (DIR defaults to ./bench-data;
//        WRITERS: the journal's rows to run, default 1 8 64)
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench/raw_sqlite.h"
#include "storage/journal.h"

using namespace posd;
using Steady = std::chrono::steady_clock;

namespace {

const std::string kPayload =
    R"({"lines":[{"sku":"PEN-BLUE","qty":2,"amount":398},{"sku":"MILK-1L","qty":1,"amount":119}],"total":517})";

double seconds_since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

std::string fresh(const std::string& dir, const std::string& name) {
  std::string path = dir + "/" + name;
  for (const char* suffix : {"", "-wal", "-shm", ".key", ".pub"}) std::filesystem::remove(path + suffix);
  return path;
}

struct JournalFigures {
  double per_second;
  double p50_us;
  double p99_us;
  double max_us;
  double appends_per_commit;
  double batch_us;  // a batch's mean time on the writer: its transaction and fsync
  double raw_per_second;  // raw one-row SQLite in the turns between
};

constexpr int kTurns = 10;

JournalFigures journal(const std::string& dir, int appends, int writers) {
  std::atomic<int64_t> batch_ns{0};
  auto j = Journal::open({.db_path = fresh(dir, "journal.db"), .store_id = "BENCH",
                          .on_commit = [&](size_t, std::chrono::nanoseconds took) { batch_ns += took.count(); }});
  if (!j) std::abort();
  bench::RawSqlite raw(dir + "/raw-turns.db");
  const int each = std::max(1, appends / writers / kTurns);  // a writer's appends a turn
  std::vector<std::vector<double>> lat(static_cast<size_t>(writers));
  const uint64_t batches0 = (*j)->batches();
  const int64_t batch_ns0 = batch_ns.load();
  // The writers stay up between turns and start each turn together.
  std::barrier gate(writers + 1);
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      auto payload = nlohmann::json::parse(kPayload);
      for (int turn = 0; turn < kTurns; ++turn) {
        gate.arrive_and_wait();
        for (int i = 0; i < each; ++i) {
          auto t0 = Steady::now();
          if (!(*j)->append(Entry{"sale", payload})) std::abort();
          lat[static_cast<size_t>(w)].push_back(seconds_since(t0) * 1e6);
        }
        gate.arrive_and_wait();
      }
    });
  }
  double journal_secs = 0, raw_secs = 0;
  for (int turn = 0; turn < kTurns; ++turn) {
    raw_secs += raw.seconds(each * writers, 1);
    auto start = Steady::now();
    gate.arrive_and_wait();
    gate.arrive_and_wait();
    journal_secs += seconds_since(start);
  }
  for (auto& t : threads) t.join();
  const uint64_t commits = (*j)->batches() - batches0;
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all[static_cast<size_t>(p * static_cast<double>(all.size() - 1))]; };
  const double total = static_cast<double>(each) * writers * kTurns;
  return {total / journal_secs, pct(0.50), pct(0.99), all.back(), total / static_cast<double>(commits),
          static_cast<double>(batch_ns.load() - batch_ns0) / 1e3 / static_cast<double>(commits),
          total / raw_secs};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "bench-data";
  const int appends = argc > 2 ? std::stoi(argv[2]) : 4000;
  std::filesystem::create_directories(dir);

  std::printf("journal_bench: %d appends per run (a journal row's rounded down to its writers and turns), database in %s\n\n",
              appends, dir.c_str());
  std::printf("%-40s %10s %8s %8s %8s %10s %8s %10s %6s\n", "run", "appends/s", "p50 us", "p99 us", "max us",
              "per commit", "batch us", "raw /s", "÷ raw");
  std::printf("%-40s %10.0f\n", "raw SQLite, 1 row per transaction", bench::raw_sqlite(dir, appends, 1));
  std::printf("%-40s %10.0f\n", "raw SQLite, 100 rows per transaction", bench::raw_sqlite(dir, appends, 100));
  std::vector<int> rows;
  for (int i = 3; i < argc; ++i) rows.push_back(std::stoi(argv[i]));
  if (rows.empty()) rows = {1, 8, 64};
  for (int writers : rows) {
    JournalFigures f = journal(dir, appends, writers);
    std::string name = "journal, " + std::to_string(writers) + " writer" + (writers > 1 ? "s" : "");
    std::printf("%-40s %10.0f %8.0f %8.0f %8.0f %10.1f %8.0f %10.0f %6.2f\n", name.c_str(), f.per_second,
                f.p50_us, f.p99_us, f.max_us, f.appends_per_commit, f.batch_us, f.raw_per_second,
                f.per_second / f.raw_per_second);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
