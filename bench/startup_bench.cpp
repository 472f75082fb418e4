// startup_bench: how long posd takes to open a journal of N events (default
// 1,000,000) and check its chain, in one run:
//   1. from the signed checkpoint a clean stop leaves (the normal start);
//   2. with no checkpoint (the first start after an upgrade, or a forged
//      one): the whole chain at open;
//   3. the part below the checkpoint, checked beside the writer after 1.
// Usage: startup_bench [DIR] [EVENTS]   (DIR defaults to ./bench-data)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "storage/journal.h"

using namespace posd;
using Steady = std::chrono::steady_clock;

namespace {

const nlohmann::json kSale = nlohmann::json::parse(
    R"({"lines":[{"sku":"PEN-BLUE","qty":2,"amount":398},{"sku":"MILK-1L","qty":1,"amount":119}],"receipt_no":1,"terminal":"lane-1","total":517})");

double ms_since(Steady::time_point t) { return std::chrono::duration<double, std::milli>(Steady::now() - t).count(); }

std::unique_ptr<Journal> open(const std::string& path) {
  auto j = Journal::open({.db_path = path, .store_id = "BENCH"});
  if (!j) {
    std::fprintf(stderr, "open: %s\n", j.status().message().c_str());
    std::exit(1);
  }
  return std::move(*j);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "bench-data";
  const uint64_t events = argc > 2 ? std::stoull(argv[2]) : 1000000;
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/startup.db";
  for (const char* suffix : {"", "-wal", "-shm", ".key", ".pub"}) std::filesystem::remove(path + suffix);

  auto built = Steady::now();
  {
    auto j = open(path);
    for (uint64_t written = 1; written < events;) {
      const uint64_t n = std::min<uint64_t>(1000, events - written);
      auto r = j->write([n](WriteContext&) -> Result<std::vector<Entry>> {
        return std::vector<Entry>(n, Entry{"sale", kSale});
      });
      if (!r) return std::fprintf(stderr, "write: %s\n", r.status().message().c_str()), 1;
      written += n;
    }
  }
  std::printf("startup_bench: a journal of %llu events built in %.1f s (%s)\n\n",
              static_cast<unsigned long long>(events), ms_since(built) / 1000, path.c_str());
  std::printf("%-52s %10s %12s\n", "start", "open ms", "events checked");

  double best = 1e18;
  Journal::CheckFigures f;
  for (int round = 0; round < 3; ++round) {
    auto t = Steady::now();
    auto j = open(path);
    const double took = ms_since(t);
    if (took < best) best = took, f = j->check_figures();
    if (round == 2) {
      // The part below the checkpoint, checked beside the writer.
      while (j->halted() && !j->check_figures().below_checked) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::printf("%-52s %10.1f %12llu\n", "1. from the checkpoint", best, static_cast<unsigned long long>(f.events));
      std::printf("%-52s %10.1f %12llu\n", "3. below the checkpoint, beside the writer (after 1)", ms_since(t),
                  static_cast<unsigned long long>(events));
    }
  }
  {
    auto db = sql::Db::open(path);
    if (!db || !db->exec("DELETE FROM journal_mark WHERE name = 'checkpoint'")) return 1;
  }
  auto t = Steady::now();
  auto j = open(path);
  std::printf("%-52s %10.1f %12llu\n", "2. no checkpoint: the whole chain at open", ms_since(t),
              static_cast<unsigned long long>(j->check_figures().events));
  if (!j->halted()) return std::fprintf(stderr, "the journal was found broken: %s\n", j->halted().message().c_str()), 1;
  j.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
