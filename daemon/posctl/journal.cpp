#include <filesystem>
#include <fstream>
#include <iostream>

#include "daemon/posctl/commands.h"
#include "checkout/receipt.h"
#include "checkout/receipt_code.h"
#include "storage/journal_export.h"

namespace posctl {

namespace {

int fail(const std::string& why) {
  std::cerr << "posctl: " << why << "\n";
  return 2;
}

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
    return report(posd::verify_export(in, *key, anchors));
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
  auto n = posd::export_journal(*db, a.from, std::cout);
  if (!n) return fail(n.status().message());
  std::cout.flush();
  return std::cout ? 0 : fail("cannot write to standard output");
}

int receipt_verify(const ReceiptVerifyArgs& a) {
  auto key = posd::PublicKey::load(a.pubkey);
  if (!key) return fail(key.status().message());
  auto code = posd::read_receipt_code(a.code);
  if (!code) return fail(code.status().message());
  if (posd::Status s = posd::verify_receipt_code(*code, *key); !s) {
    std::cout << "bad: " << s.message() << "\n";
    return 1;
  }
  std::cout << "ok receipt " << code->receipt_no << " of store " << code->store_id << ": total "
            << posd::format_minor(code->total) << " " << code->currency << ", day " << code->business_day
            << ", journal seq " << code->seq << "\n";
  return 0;
}

}  // namespace posctl
