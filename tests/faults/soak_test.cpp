// The soak: posd under steady traffic from four lanes with the sync link up,
// HQ sending a price change at every sample and the day closed (Z) at every
// tenth, for POSD_SOAK_SECONDS (20 in the suite; scripts/soak runs 2 hours).
// posd's and posd-hq's resident memory, posd's open descriptors, the store's
// database and WAL sizes and HQ's lag are sampled every POSD_SOAK_SAMPLE
// seconds (to POSD_SOAK_CSV when set). At the end the same checks as the kill
// campaign, and descriptors (and, in runs of a minute or more, memory) did
// not grow in the second half.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "tests/daemon/node.h"
#include "tests/faults/campaign.h"
#include "tests/faults/lanes.h"

using namespace posd;

namespace {

struct Sample {
  int64_t second = 0, rss_kib = 0, hq_rss_kib = 0, fds = 0, db_bytes = 0, wal_bytes = 0, journal_seq = 0, hq_lag = 0,
          sales = 0;
};

int64_t rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

int64_t open_fds(pid_t pid) {
  DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (!d) return -1;
  int64_t n = 0;
  while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

int64_t file_bytes(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

// The largest value of `field` among samples [from, to).
int64_t most(const std::vector<Sample>& s, size_t from, size_t to, int64_t Sample::*field) {
  int64_t m = 0;
  for (size_t i = from; i < to; ++i) m = std::max(m, s[i].*field);
  return m;
}

}  // namespace

TEST_CASE("posd under steady lane traffic and sync keeps memory and descriptors bounded and loses nothing", "[faults][hq]") {
  const int seconds = test::rounds_from_env("POSD_SOAK_SECONDS", 20);
  const int every = std::max(1, test::rounds_from_env("POSD_SOAK_SAMPLE", 1));
  const char* csv_path = std::getenv("POSD_SOAK_CSV");

  test::OnlineStore online;
  test::Hq& hq = online.hq;
  test::Store& store = online.store;

  test::Ledger ledger;
  test::Lanes lanes;
  for (int n = 0; n < 4; ++n) lanes.add(n, store, ledger, std::chrono::milliseconds(100));

  std::ofstream csv;
  if (csv_path) {
    csv.open(csv_path);
    csv << "second,posd_rss_kib,hq_rss_kib,posd_fds,db_bytes,wal_bytes,journal_seq,hq_lag,sales\n";
  }
  std::vector<Sample> samples;
  const auto start = std::chrono::steady_clock::now();
  int zs = 0;
  for (int i = 1; std::chrono::steady_clock::now() - start < std::chrono::seconds(seconds); ++i) {
    std::this_thread::sleep_until(start + std::chrono::seconds(i * every));
    hq.cli({"price", "--sku", "BREAD", "--price", std::to_string(250 + i % 50)});
    if (i % 10 == 0) {
      auto z = test::request(store.port(), "POST", "/v1/reports/z", test::kStoreToken);
      CHECK(z.status == 201);
      ++zs;
    }
    Sample s;
    s.second = i * every;
    s.rss_kib = rss_kib(store.pid());
    s.hq_rss_kib = rss_kib(hq.pid());
    s.fds = open_fds(store.pid());
    s.db_bytes = file_bytes(store.db());
    s.wal_bytes = file_bytes(store.db() + "-wal");
    s.journal_seq = store.status()["journal_seq"];
    s.hq_lag = s.journal_seq - static_cast<int64_t>(test::hq_acked(hq, "S1"));
    {
      std::lock_guard lock(ledger.mu);
      s.sales = static_cast<int64_t>(ledger.acked.size());
    }
    if (csv.is_open()) {
      csv << s.second << ',' << s.rss_kib << ',' << s.hq_rss_kib << ',' << s.fds << ',' << s.db_bytes << ','
          << s.wal_bytes << ',' << s.journal_seq << ',' << s.hq_lag << ',' << s.sales << std::endl;
    }
    samples.push_back(s);
  }
  lanes.stop();

  REQUIRE(samples.size() >= 4);
  const size_t half = samples.size() / 2;
  // Bounded: the second half needs no more descriptors than the first (a
  // lane's connection or two in flight aside), and no more than a quarter
  // more memory (SQLite's page cache and the allocator settle in the first).
  CHECK(most(samples, half, samples.size(), &Sample::fds) <= most(samples, 0, half, &Sample::fds) + 8);
  // Memory settles in the first minute (SQLite's caches, the allocator, the
  // Idempotency-Key answers kept): bounded only in runs longer than that.
  if (test::kMemoryBoundsHold && seconds >= 60) {
    CHECK(most(samples, half, samples.size(), &Sample::rss_kib) <= most(samples, 0, half, &Sample::rss_kib) * 5 / 4 + 4096);
    CHECK(most(samples, half, samples.size(), &Sample::hq_rss_kib) <= most(samples, 0, half, &Sample::hq_rss_kib) * 5 / 4 + 4096);
  }
  CHECK(zs == static_cast<int>(samples.size()) / 10);
  const int64_t sales = test::require_store_and_hq_agree(hq, store, ledger);
  const Sample& last = samples.back();
  WARN(seconds << " s: " << sales << " sales, " << last.journal_seq << " events, " << zs << " Zs; posd RSS "
                << samples.front().rss_kib << " KiB at the first sample, " << most(samples, 0, half, &Sample::rss_kib)
                << " most in the first half, " << most(samples, half, samples.size(), &Sample::rss_kib)
                << " in the second; posd-hq " << most(samples, 0, half, &Sample::hq_rss_kib) << " / "
                << most(samples, half, samples.size(), &Sample::hq_rss_kib) << " KiB; descriptors "
                << most(samples, 0, half, &Sample::fds) << " / " << most(samples, half, samples.size(), &Sample::fds)
                << "; database " << last.db_bytes << " bytes, WAL " << last.wal_bytes << "; largest HQ lag "
                << most(samples, 0, samples.size(), &Sample::hq_lag) << " events");
  CHECK(sales > 0);
}
