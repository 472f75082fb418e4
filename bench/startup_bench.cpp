// startup_bench: how long posd takes to open a journal of N events (default
// 1,000,000) and check its chain, in one run:
//   1. from the signed checkpoint a clean stop leaves (the normal start);
//   2. with no checkpoint (the first start after an upgrade, or a forged
//      one): the whole chain at open;
//   3. the part below the checkpoint, checked beside the writer after 1;
//   4. a real posd process on that journal with a 100,000-item catalog, from
//      its start to READY=1 on its NOTIFY_SOCKET (as systemd hears it), three
//      times, each after the clean stop of the one before.
// Usage: startup_bench [DIR] [EVENTS] [keep]   (DIR defaults to ./bench-data)
//   keep: DIR stays after the run, and a journal of EVENTS events found there
//   is used again instead of being built (about 85 s for a million).
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "bench/backlog.h"
#include "bench/bench_catalog.h"
#include "storage/journal.h"

using namespace posd;
using Steady = std::chrono::steady_clock;

namespace {

double ms_since(Steady::time_point t) { return std::chrono::duration<double, std::milli>(Steady::now() - t).count(); }

std::unique_ptr<Journal> open(const std::string& path) {
  auto j = Journal::open({.db_path = path, .store_id = "BENCH"});
  if (!j) {
    std::fprintf(stderr, "open: %s\n", j.status().message().c_str());
    std::exit(1);
  }
  return std::move(*j);
}

// Starts posd on the journal, waits for READY=1 on its notify socket, stops it
// with SIGTERM (a clean stop, which leaves a checkpoint) and returns the
// milliseconds from fork to READY; -1 when it never came.
double posd_to_ready(const std::string& bin, const std::string& dir, const std::string& db) {
  const std::string sock = dir + "/notify.sock", conf = dir + "/posd.json", err = dir + "/posd.err";
  std::filesystem::remove(sock);
  std::ofstream(conf) << nlohmann::json{{"store_id", "BENCH"}, {"database", db}, {"listen", "127.0.0.1:0"},
                                        {"plain_http", true},
                                        {"terminals", {{{"id", "lane"}, {"token", "bench-lane-token-000000000"}, {"role", "cashier"}}}}}
                            .dump();
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return std::perror("notify socket"), -1;
  timeval wait{.tv_sec = 60, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  const auto t = Steady::now();
  const pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(err.c_str(), "w", stderr)) _exit(126);
    ::setenv("NOTIFY_SOCKET", sock.c_str(), 1);
    execl((bin + "/posd").c_str(), "posd", "--config", conf.c_str(), nullptr);
    _exit(127);
  }
  double ms = -1;
  char buf[512];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf - 1, 0)) > 0;) {
    buf[n] = 0;
    if (std::string(buf).find("READY=1") != std::string::npos) {
      ms = ms_since(t);
      break;
    }
  }
  ::close(fd);
  if (ms < 0) std::fprintf(stderr, "posd never said READY=1 (see %s)\n", err.c_str());
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "bench-data";
  const uint64_t events = argc > 2 ? std::stoull(argv[2]) : 1000000;
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/startup.db";
  const bool keep = argc > 3 && std::string(argv[3]) == "keep";
  bool built_before = false;
  if (keep && std::filesystem::exists(path)) {
    auto db = sql::Db::open(path, sql::Db::Mode::read_only);
    auto st = db ? db->prepare("SELECT MAX(seq) FROM journal") : Result<sql::Stmt>(db.status());
    if (st) {
      auto row = st->step();
      built_before = row && *row && static_cast<uint64_t>(st->int64(0)) == events;
    }
  }
  if (!built_before) {
    for (const char* suffix : {"", "-wal", "-shm", ".key", ".pub"}) std::filesystem::remove(path + suffix);
  }

  auto built = Steady::now();
  if (!built_before) {
    auto j = open(path);
    Catalog c = bench::catalog(100000);
    auto r = j->write([&](WriteContext& ctx) -> Result<std::vector<Entry>> {
      if (Status s = catalog::replace(ctx.db, c); !s) return s;
      return std::vector<Entry>{{"catalog_imported", {{"items", 100000}}}};
    });
    if (!r) return std::fprintf(stderr, "catalog: %s\n", r.status().message().c_str()), 1;
    bench::write_sales(*j, static_cast<int>(events - 2));  // the journal's first event, the catalog, the sales
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
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

  const std::string bin = std::filesystem::path(argv[0]).parent_path().string();
  for (int round = 1; round <= 3; ++round) {
    const double ms = posd_to_ready(bin, dir, path);
    if (ms < 0) return 1;
    std::printf("%-52s %10.1f\n", ("4. posd started to READY=1, round " + std::to_string(round)).c_str(), ms);
  }
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}
