// libFuzzer target for a journal export read by the verifier (posctl journal
// verify --export, posd-hq's import): a real journal of a few events with
// accents, emoji and large amounts is exported once, and each input either
// replaces it (any bytes) or edits it (bytes overwritten, lines dropped,
// swapped or repeated, text inserted), so that the inputs stay close to a
// valid export and reach every check. Whatever the bytes: ok or a precise
// corruption message that is encodable text, never a crash; an edited export
// that still verifies must be the original.
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "base/json_fields.h"
#include "base/log.h"
#include "storage/journal.h"
#include "storage/journal_export.h"

namespace {

std::string g_dir;  // removed at exit

struct World {
  std::unique_ptr<posd::Journal> journal;
  std::string exported;
  std::vector<std::string> lines;

  World() {
    spdlog::set_level(spdlog::level::off);
    g_dir = "/dev/shm/posd-export-fuzz-" + std::to_string(::getpid());
    std::filesystem::create_directories(g_dir);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(g_dir, ignored);
    });
    auto opened = posd::Journal::open({.db_path = g_dir + "/fuzz.db", .store_id = "S1"});
    if (!opened) std::abort();
    journal = std::move(*opened);
    const std::vector<nlohmann::json> payloads = {
        {{"receipt_no", 1}, {"total", 1553}, {"lines", {{{"sku", "CAFÉ"}, {"name", "Café crème ☕"}, {"qty", 2}}}}},
        {{"receipt_no", 2}, {"total", 99999999999}, {"note", "tab\tnew\nline \u0001 🧾"}},
        {{"sku", "MILK-1L"}, {"delta", -3}, {"reason", "damaged"}},
        {{"report", "z"}, {"z_no", 1}, {"grand_total", 100001552}}};
    for (const auto& p : payloads) {
      if (!journal->append(posd::Entry{"sale", p})) std::abort();
    }
    auto db = posd::sql::Db::open(journal->db_path(), posd::sql::Db::Mode::read_only);
    if (!db) std::abort();
    std::ostringstream out;
    if (!posd::export_journal(*db, 1, out)) std::abort();
    exported = out.str();
    std::istringstream in(exported);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::istringstream check(exported);
    if (!posd::verify_export(check, journal->public_key())) std::abort();
  }
};

World& world() {
  static World* w = new World();
  return *w;
}

// The export edited as the input says: its first byte picks the edit.
std::string edited(const World& w, const uint8_t* data, size_t size) {
  std::string text = w.exported;
  const uint8_t op = data[0] % 5;
  ++data;
  --size;
  auto at = [&](size_t i) { return size > i ? static_cast<size_t>(data[i]) : 0; };
  switch (op) {
    case 0:  // bytes overwritten: (position high, position low, byte) triples
      for (size_t i = 0; i + 2 < size; i += 3) text[(at(i) * 256 + at(i + 1)) % text.size()] = static_cast<char>(data[i + 2]);
      break;
    case 1: {  // text inserted at a position
      const size_t pos = (at(0) * 256 + at(1)) % (text.size() + 1);
      text.insert(pos, reinterpret_cast<const char*>(data) + std::min<size_t>(size, 2), size > 2 ? size - 2 : 0);
      break;
    }
    case 2: {  // lines dropped, swapped or repeated
      std::vector<std::string> lines = w.lines;
      for (size_t i = 0; i + 1 < size && !lines.empty(); i += 2) {
        const size_t a = at(i) % lines.size(), b = at(i + 1) % lines.size();
        switch (at(i) % 3) {
          case 0: lines.erase(lines.begin() + static_cast<long>(a)); break;
          case 1: std::swap(lines[a], lines[b]); break;
          default: lines.insert(lines.begin() + static_cast<long>(b), lines[a]); break;
        }
      }
      text.clear();
      for (const std::string& l : lines) text += l + "\n";
      break;
    }
    case 3:  // a line of the input's own after the export
      text.append(reinterpret_cast<const char*>(data), size);
      break;
    default:  // the input alone
      text.assign(reinterpret_cast<const char*>(data), size);
  }
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  World& w = world();
  const std::string text = edited(w, data, size);
  std::istringstream in(text);
  posd::ExportSpan span;
  auto verified = posd::verify_export(in, w.journal->public_key(), {}, &span);
  if (!verified) {
    if (verified.status().message().empty()) __builtin_trap();
    (void)posd::to_json_text(verified.status().message());
    return 0;
  }
  // Verified: the export's lines are the journal's own, byte for byte, each
  // once and in order (a run of them: an export may start after seq 1).
  if (span.count > w.lines.size() || span.last_seq > w.lines.size()) __builtin_trap();
  if (span.count > 0 && span.last_seq - span.first_seq + 1 != span.count) __builtin_trap();
  std::istringstream again(text);
  size_t i = 0;
  for (std::string line; std::getline(again, line);) {
    if (line.empty()) continue;
    if (i >= span.count || line != w.lines[span.first_seq - 1 + i]) __builtin_trap();
    ++i;
  }
  if (i != span.count) __builtin_trap();
  return 0;
}
