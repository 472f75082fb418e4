// libFuzzer target for what arrives from HQ over MQTT: the payload through
// the protocol's decode, and every down-log entry it yields applied to a
// store (on a temporary database) as posd applies it. Whatever HQ sends,
// decode answers or says why, apply quarantines or applies, the journal
// still verifies, and nothing crashes. A journal batch read in one pass
// (posd's canonical form) is the batch the general way reads.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "storage/catalog.h"
#include "storage/catalog_json.h"
#include "base/log.h"
#include "sync/down_log.h"
#include "sync/protocol.h"

namespace {

posd::Journal& journal() {
  static posd::Journal* j = [] {
    spdlog::set_level(spdlog::level::off);
    static const std::string dir = "/dev/shm/posd-sync-fuzz-" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    std::atexit([] {  // its files, not the journal: its writer may still run
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    });
    auto opened = posd::Journal::open({.db_path = dir + "/fuzz.db", .store_id = "S1"});
    if (!opened) std::abort();
    return opened->release();
  }();
  return *j;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto m = posd::sync::decode(input);
  if (!m) {
    if (m.status().message().empty()) __builtin_trap();
    return 0;
  }
  // The one-pass read of posd's own journal message answers what the
  // general way answers, and each payload's text it keeps is that payload's dump.
  if (const auto* batch = std::get_if<posd::sync::JournalBatch>(&*m); batch && !batch->payload_texts.empty()) {
    auto any = posd::sync::decode_any_form(input);
    const auto* general = any ? std::get_if<posd::sync::JournalBatch>(&*any) : nullptr;
    if (!general || general->store_id != batch->store_id || general->events.size() != batch->events.size() ||
        batch->payload_texts.size() != batch->events.size()) {
      __builtin_trap();
    }
    for (size_t i = 0; i < batch->events.size(); ++i) {
      if (batch->events[i].to_json() != general->events[i].to_json()) __builtin_trap();
      if (batch->payload_texts[i] != general->events[i].payload.dump()) __builtin_trap();
    }
  }
  const auto* entry = std::get_if<posd::sync::DownEntry>(&*m);
  if (!entry) return 0;
  posd::sync::DownEntry e = *entry;
  e.store_id = "S1";
  posd::Journal& j = journal();
  // Make it the next entry, so that it is applied (or quarantined), not skipped.
  auto db = posd::sql::Db::open(j.db_path(), posd::sql::Db::Mode::read_only);
  if (!db) std::abort();
  auto applied = db->query_int("SELECT value FROM cursor WHERE name = 'hq_applied_seq'");
  if (!applied || !*applied) std::abort();
  e.hq_seq = static_cast<uint64_t>(**applied) + 1;
  auto out = std::make_shared<posd::sync::DownApplied>();
  auto r = j.write(posd::sync::apply_down(e, out));
  if (!r) {
    // Only the store's own trouble may refuse a write; never the entry's content.
    if (r.status().code() != posd::Status::Code::disk_full && r.status().code() != posd::Status::Code::io_error) __builtin_trap();
    return 0;
  }
  if (out->applied_seq != e.hq_seq) __builtin_trap();  // applied or quarantined: the cursor moves past it
  return 0;
}
