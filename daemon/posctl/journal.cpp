#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <tuple>

#include "daemon/posctl/commands.h"
#include "checkout/receipt.h"
#include "checkout/receipt_code.h"
#include "base/file_text.h"
#include "base/clock.h"
#include "base/json_text.h"
#include "storage/export_manifest.h"
#include "storage/journal.h"
#include "storage/journal_export.h"
#include "fiscal/dsfinvk.h"

namespace posctl {

namespace {

posd::Result<posd::sql::Db> open_db(const std::string& path) {
  if (!std::filesystem::exists(path)) return posd::Status::not_found("no database at " + path);
  return posd::sql::Db::open(path, posd::sql::Db::Mode::read_only);
}

int report(const posd::Result<uint64_t>& n) {
  if (!n) {
    if (n.status().code() != posd::Status::Code::corruption) return fail(n.status().message());
    std::cout << "bad " << n.status().message() << "\n";
    return 1;
  }
  std::cout << "ok " << *n << " events\n";
  return 0;
}

}  // namespace

int journal_verify(const VerifyArgs& a) {
  if (a.db.empty() == a.export_file.empty()) return fail("give either --db FILE or --export FILE");
  std::vector<posd::Anchor> anchors;
  for (const std::string& text : a.anchors) {
    auto anchor = posd::Anchor::parse(text);
    if (!anchor) return fail("--anchor " + anchor.status().message());
    anchors.push_back(*anchor);
  }
  if (!a.export_file.empty()) {
    if (a.pubkey.empty()) return fail("--export needs --pubkey KEY: an export is checked against the store's key");
    auto key = posd::PublicKey::load(a.pubkey);
    if (!key) return fail(key.status().message());
    std::ifstream in(a.export_file);
    if (!in) return fail("cannot read " + a.export_file);
    if (a.manifest.empty()) return report(posd::verify_export(in, *key, anchors));
    auto text = posd::read_file(a.manifest);
    if (!text) return fail("the manifest: " + text.status().message());
    // A manifest that is not exactly one is a bad manifest (exit 1), not a failure to run.
    auto parsed = posd::parse_json(*text);
    if (!parsed) return report(posd::Status::corruption("manifest: " + parsed.status().message()));
    auto manifest = posd::ExportManifest::from_json(*parsed);
    if (!manifest) return report(posd::Status::corruption("manifest: " + manifest.status().message()));
    posd::ExportSpan span;
    auto n = posd::verify_export(in, *key, anchors, &span);
    if (!n) return report(n);
    if (posd::Status s = posd::check_manifest(*manifest, *key, span); !s) return report(s);
    std::cout << "ok " << *n << " events, seq " << span.first_seq << " to " << span.last_seq << " of store "
              << manifest->store_id << ", as the manifest says\n";
    return 0;
  }
  auto key = posd::PublicKey::load(a.pubkey.empty() ? a.db + ".pub" : a.pubkey);
  if (!key) return fail(key.status().message());
  auto db = open_db(a.db);
  if (!db) return fail(db.status().message());
  return report(posd::verify_journal(*db, *key, anchors));
}

int journal_export(const ExportArgs& a) {
  auto db = open_db(a.db);
  if (!db) return fail(db.status().message());
  uint64_t from = a.from, to = a.to;
  if (!a.day_from.empty()) {
    auto seqs = posd::seqs_of_days(*db, a.day_from, a.day_to.empty() ? a.day_from : a.day_to);
    if (!seqs) return fail(seqs.status().message());
    std::tie(from, to) = *seqs;
  }
  std::optional<posd::StoreKey> key;
  if (!a.manifest.empty()) {
    if (std::filesystem::exists(a.manifest)) return fail(a.manifest + " exists: a manifest is never overwritten");
    auto k = posd::StoreKey::load(a.db + ".key");
    if (!k) return fail("a manifest is signed with the store key: " + k.status().message());
    key.emplace(std::move(*k));
  }
  auto span = posd::export_range(*db, from, to, std::cout);
  if (!span) return fail(span.status().message());
  std::cout.flush();
  if (!std::cout) return fail("cannot write to standard output");
  if (!key) return 0;
  std::string store_id;
  posd::scan_journal(*db, 1, [&](const posd::Event& e) {
    store_id = e.payload.value("store_id", "");
    return posd::Status::unavailable("the genesis is enough");
  });
  const auto m = posd::make_manifest(*span, store_id, *key, posd::format_utc(posd::Clock::system().now()));
  std::ofstream out(a.manifest);
  out << m.to_json().dump(2) << "\n";
  return out ? 0 : fail("cannot write " + a.manifest);
}

int receipt_verify(const ReceiptVerifyArgs& a) {
  auto key = posd::PublicKey::load(a.pubkey);
  if (!key) return fail(key.status().message());
  // As printed: in 40-column lines; white space between them is dropped.
  std::string text;
  for (char c : a.code) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') text += c;
  }
  auto code = posd::read_receipt_code(text);
  posd::Status s = code ? posd::verify_receipt_code(*code, *key) : code.status();
  if (!s) {
    std::cout << "bad: " << s.message() << "\n";
    return 1;
  }
  std::cout << "ok receipt " << code->receipt_no << " of store " << code->store_id << ": total "
            << posd::format_minor(code->total) << " " << code->currency << ", day " << code->business_day
            << ", journal seq " << code->seq << "\n";
  return 0;
}

int journal_dsfinvk(const DsfinvkArgs& a) {
  auto text = posd::read_file(a.master);
  if (!text) return fail("the master data: " + text.status().message());
  auto parsed = posd::parse_json(*text);
  if (!parsed) return fail(a.master + ": " + parsed.status().message());
  auto master = posd::dsfinvk::Master::from_json(*parsed);
  if (!master) return fail(a.master + ": " + master.status().message());
  auto key = posd::PublicKey::load(a.db + ".pub");
  if (!key) return fail(key.status().message());
  auto db = open_db(a.db);
  if (!db) return fail(db.status().message());
  // Only a journal that verifies is exported.
  auto n = posd::verify_journal(*db, *key);
  if (!n) return report(n);
  posd::dsfinvk::Builder builder(*master, {.software_version = POSD_VERSION, .z_from = a.z_from, .z_to = a.z_to});
  // Only what was verified: a running posd may append meanwhile.
  const uint64_t verified = *n;
  posd::Status built = posd::scan_journal(*db, 1, [&](const posd::Event& e) {
    if (e.seq > verified) return posd::Status::unavailable("the verified end");
    return builder.add(e);
  });
  if (!built && built.code() != posd::Status::Code::unavailable) return fail(built.message());
  const posd::dsfinvk::Tables tables = builder.finish();
  if (posd::Status s = posd::dsfinvk::write(tables, a.to, *master); !s) return fail(s.message());
  std::cout << "ok " << tables.closings << " closings, " << tables.transactions << " transactions, in " << a.to << "\n";
  return 0;
}

}  // namespace posctl
