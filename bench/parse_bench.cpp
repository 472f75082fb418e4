// parse_bench: what posd's strict JSON reading (base/json_text.h parse_json:
// the document, and every repeated key refused) costs against nlohmann's own
// parse of the same text, which checks no key (the floor). Three texts posd
// reads all day: a lane's request body, a journal batch of 64 sale events as
// posd-hq receives it, and a catalog entry of 500 items as a store receives
// it. Best of five rounds, µs per parse, and the ratio to the floor.
// Usage: parse_bench [ROUNDS_SCALE]   (1: about two seconds)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "base/json_text.h"
#include "bench/bench_catalog.h"

using json = nlohmann::json;

namespace {

std::string lane_body() { return json{{"code", "4006381333931"}, {"qty", 1}}.dump(); }

std::string journal_batch() {
  json lines = json::array();
  for (int l = 0; l < 4; ++l) {
    lines.push_back({{"sku", "SKU-" + std::to_string(l)}, {"qty", 1}, {"unit_price", 199}, {"total", 199}, {"tax_bp", 2000}});
  }
  json events = json::array();
  for (int i = 0; i < 64; ++i) {
    events.push_back({{"seq", 1000 + i},
                      {"ts", "2026-12-04T10:00:00.123Z"},
                      {"business_day", "2026-12-04"},
                      {"type", "sale"},
                      {"payload",
                       {{"receipt_no", i},
                        {"terminal", "lane-1"},
                        {"lines", lines},
                        {"total", 796},
                        {"tenders", {{{"type", "cash"}, {"amount", 1000}}}},
                        {"change", 204}}},
                      {"prev_hash", std::string(64, 'a')},
                      {"hash", std::string(64, 'b')},
                      {"signature", std::string(128, 'c')}});
  }
  return json{{"v", 1}, {"type", "journal"}, {"store_id", "S1"}, {"events", events}}.dump();
}

std::string catalog_entry() {
  json doc = posd::bench::catalog_document(500);
  return json{{"v", 1}, {"type", "down"}, {"store_id", "S1"}, {"hq_seq", 7}, {"kind", "catalog_upsert"}, {"body", doc}}.dump();
}

// µs per call of `f`, best of five rounds of `n`.
double best_us(int n, const std::function<void()>& f) {
  double best = 1e300;
  for (int round = 0; round < 5; ++round) {
    const auto t = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) f();
    best = std::min(best, std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t).count() / n);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const double scale = argc > 1 ? std::stod(argv[1]) : 1.0;
  struct Text {
    const char* name;
    std::string text;
    int n;
  };
  const Text texts[] = {{"lane request body", lane_body(), 100000},
                        {"journal batch, 64 sales (posd-hq)", journal_batch(), 200},
                        {"catalog entry, 500 items (store)", catalog_entry(), 20}};
  std::printf("%-36s %9s %12s %12s %7s\n", "text", "bytes", "parse_json", "floor", "ratio");
  for (const Text& t : texts) {
    const int n = std::max(1, static_cast<int>(t.n * scale));
    auto strict = posd::parse_json(t.text);
    if (!strict || *strict != json::parse(t.text)) return std::fprintf(stderr, "%s: not the same document\n", t.name), 1;
    const double ours = best_us(n, [&] {
      if (!posd::parse_json(t.text)) std::abort();
    });
    const double floor = best_us(n, [&] {
      if (json::parse(t.text).is_null()) std::abort();
    });
    std::printf("%-36s %9zu %9.2f us %9.2f us %6.2fx\n", t.name, t.text.size(), ours, floor, ours / floor);
  }
  return 0;
}
