// catalog_bench: where a catalog's time goes on the store, in one process, no
// broker and no HQ: a C-item catalog (default 100,000) cut into down-log
// entries as posd-hq cuts it (500 items each), each entry encoded and decoded
// as it travels, then applied through the journal as posd applies it
// (sync::apply_down, one write each, queued at once so that group commit may
// join them), then once more with every price changed. Prints each step's
// time.
// Usage: catalog_bench [DIR] [ITEMS]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>

#include "bench/bench_catalog.h"
#include "hq/changes.h"
#include "storage/catalog_json.h"
#include "storage/journal.h"
#include "sync/down_log.h"
#include "sync/protocol.h"

using namespace posd;
using Steady = std::chrono::steady_clock;

namespace {
double ms_since(Steady::time_point t) { return std::chrono::duration<double, std::milli>(Steady::now() - t).count(); }
}  // namespace

int main(int argc, char** argv) {
  const std::string dir = std::filesystem::absolute(argc > 1 ? argv[1] : "catalog-bench-data");
  const int items = argc > 2 ? std::stoi(argv[2]) : 100000;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const nlohmann::json doc = bench::catalog_document(items);

  auto t = Steady::now();
  auto entries = hq::catalog_entries(doc, 500);
  if (!entries) return std::fprintf(stderr, "%s\n", entries.status().message().c_str()), 1;
  std::printf("catalog_bench: %d items, %zu entries\n", items, entries->size());
  std::printf("%-44s %9.1f ms\n", "HQ: cut into entries", ms_since(t));

  t = Steady::now();
  std::vector<std::string> wire;
  uint64_t seq = 0;
  for (auto& [kind, body] : *entries) wire.push_back(sync::encode(sync::DownEntry{"BENCH", ++seq, kind, body}));
  std::printf("%-44s %9.1f ms (%.1f MB)\n", "HQ: encode for the wire", ms_since(t), [&] {
    size_t n = 0;
    for (auto& w : wire) n += w.size();
    return static_cast<double>(n) / 1e6;
  }());

  t = Steady::now();
  std::vector<sync::DownEntry> decoded;
  for (auto& w : wire) {
    auto m = sync::decode(w);
    if (!m || !std::holds_alternative<sync::DownEntry>(*m)) return std::fprintf(stderr, "decode failed\n"), 1;
    decoded.push_back(std::get<sync::DownEntry>(std::move(*m)));
  }
  std::printf("%-44s %9.1f ms\n", "store: decode", ms_since(t));
  t = Steady::now();
  for (auto& e : decoded) sync::read_ahead(e);  // on Paho's thread in posd, as each arrives
  std::printf("%-44s %9.1f ms\n", "store: read ahead (items parsed)", ms_since(t));

  auto j = Journal::open({.db_path = dir + "/store.db", .store_id = "BENCH"});
  if (!j) return std::fprintf(stderr, "%s\n", j.status().message().c_str()), 1;
  // Each entry one write, all queued at once; the time until the last is done.
  auto apply = [&](std::vector<sync::DownEntry> entries, const char* what) {
    auto t = Steady::now();
    std::vector<std::future<Result<Appended>>> done;
    std::vector<std::shared_ptr<sync::DownApplied>> out;
    for (auto& e : entries) {
      auto promise = std::make_shared<std::promise<Result<Appended>>>();
      done.push_back(promise->get_future());
      out.push_back(std::make_shared<sync::DownApplied>());
      (*j)->submit_behind(sync::apply_down(std::move(e), out.back()),
                          [promise](Result<Appended> r) { promise->set_value(std::move(r)); });
    }
    for (auto& f : done) {
      if (auto r = f.get(); !r) return std::fprintf(stderr, "apply: %s\n", r.status().message().c_str()), false;
    }
    const double applied = ms_since(t);
    std::printf("%-44s %9.1f ms (%.0f items/s)\n", what, applied, items / applied * 1000);
    if (!out.back()->applied) return std::fprintf(stderr, "the last entry did not apply\n"), false;
    return true;
  };
  // The same catalog again with every price changed (a nightly re-publish):
  // the items and their GTINs are there already.
  std::vector<sync::DownEntry> again = decoded;
  for (auto& e : again) {
    e.hq_seq += decoded.size();
    if (e.body.contains("items")) {
      for (auto& item : e.body["items"]) item["price"] = item["price"].get<int64_t>() + 1;
    }
    sync::read_ahead(e);  // again: the body changed
  }
  if (!apply(std::move(decoded), "store: apply through the journal")) return 1;
  if (!apply(std::move(again), "store: the same, every price changed")) return 1;
  j->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
