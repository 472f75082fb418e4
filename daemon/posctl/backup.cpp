#include <sys/statvfs.h>

#include <filesystem>
#include <iostream>

#include "daemon/config.h"
#include "daemon/posctl/commands.h"
#include "storage/backup.h"
#include "base/clock.h"
#include "storage/cursor.h"
#include "storage/journal_export.h"
#include "storage/sales.h"
#include "storage/store_key.h"

namespace posctl {

namespace fs = std::filesystem;

namespace {

// Copies `from` to `to`, readable by its owner only; never overwrites.
posd::Status copy_private(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::none, ec);
  if (ec) return posd::Status::io_error("cannot copy " + from + ": " + ec.message());
  fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write, ec);
  if (ec) return posd::Status::io_error("cannot restrict " + to + ": " + ec.message());
  return posd::Status::ok();
}

// The public key always goes with the copy (to verify it); the signing key
// only when asked (`signing_key`: the private key's path, or empty).
posd::Status copy_keys(const std::string& db, const std::string& to, const std::string& signing_key) {
  if (posd::Status s = copy_private(db + ".pub", to + ".pub"); !s) return s;
  if (signing_key.empty()) return posd::Status::ok();
  return copy_private(signing_key, to + ".key");
}

// integrity_check was done by the copy; here the journal chain with the key.
int verify_copy(const std::string& db) {
  auto key = posd::PublicKey::load(db + ".pub");
  if (!key) return fail(key.status().message());
  auto d = posd::sql::Db::open(db, posd::sql::Db::Mode::read_only);
  if (!d) return fail(d.status().message());
  auto n = posd::verify_journal(*d, *key);
  if (!n) return fail("the copy's journal does not verify: " + n.status().message(), 1);
  std::cout << "ok " << *n << " events in " << db << "\n";
  return 0;
}

}  // namespace

int backup(const BackupArgs& a) {
  for (const std::string& f : {a.to + ".pub", a.to + ".key"}) {
    if (fs::exists(f)) return fail(f + " exists already; choose a new file");
  }
  if (posd::Status s = posd::backup_database(a.db, a.to); !s) return fail(s.message());
  if (posd::Status s = copy_keys(a.db, a.to, a.with_signing_key ? a.db + ".key" : ""); !s) return fail(s.message());
  return verify_copy(a.to);
}

int restore(const BackupArgs& a) {
  // a.to is the backup here, a.db the database to recreate.
  if (fs::exists(a.db)) return fail(a.db + " exists; move it away first (and stop posd): restore never overwrites");
  // The store signs on with its own key: from beside the backup, or kept apart.
  const std::string key = !a.signing_key.empty() ? a.signing_key : a.to + ".key";
  if (!fs::exists(key)) {
    return fail("the backup holds no signing key: give --signing-key FILE, the store's key kept apart from its backups");
  }
  auto signing = posd::StoreKey::load(key);
  if (!signing) return fail(signing.status().message());
  auto pub = posd::PublicKey::load(a.to + ".pub");
  if (!pub) return fail(pub.status().message());
  if (signing->public_key().pem() != pub->pem()) return fail(key + " is not the key that signed this backup's journal");
  // Every file to write is checked before the first is: a restore that fails
  // halfway would leave a database without its key. The key may already be
  // where it belongs (the store's own, kept when the broken database moved).
  std::error_code ec;
  const bool key_in_place = fs::exists(a.db + ".key") && fs::equivalent(key, a.db + ".key", ec);
  if (!key_in_place && fs::exists(a.db + ".key")) return fail(a.db + ".key exists and is not the key given; move it away first");
  if (fs::exists(a.db + ".pub")) {
    auto there = posd::PublicKey::load(a.db + ".pub");
    if (!there || there->pem() != pub->pem()) return fail(a.db + ".pub exists and is another store's; move it away first");
  }
  if (int rc = verify_copy(a.to); rc != 0) return rc;
  auto undo = [&](const std::string& why) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(a.db + suffix, ec);
    return fail(why);
  };
  if (posd::Status s = posd::backup_database(a.to, a.db); !s) return undo(s.message());
  if (!fs::exists(a.db + ".pub")) {
    if (posd::Status s = copy_private(a.to + ".pub", a.db + ".pub"); !s) return undo(s.message());
  }
  if (!key_in_place) {
    if (posd::Status s = copy_private(key, a.db + ".key"); !s) return undo(s.message());
  }
  std::cout << "restored " << a.db << "\n";
  return 0;
}

int status(const StatusArgs& a) {
  auto config = posd::load_config(a.config);
  if (!config) return fail(config.status().message());
  auto db = posd::sql::Db::open(config->database, posd::sql::Db::Mode::read_only);
  if (!db) return fail(db.status().message());
  auto seq = db->query_int("SELECT MAX(seq) FROM journal");
  auto acked = posd::cursor::read(*db, "hq_acked_seq");
  auto ack_at = posd::cursor::read(*db, "hq_ack_at_ms");
  auto period = posd::counter::read(*db, "period");
  auto receipts = posd::counter::read(*db, "receipt_no");
  if (!seq || !acked || !period || !receipts) return fail("cannot read " + config->database);
  const int64_t last = seq->value_or(0);
  nlohmann::json last_contact = nullptr;  // when HQ last acknowledged
  if (ack_at && *ack_at > 0) {
    last_contact = posd::format_utc(std::chrono::system_clock::time_point(std::chrono::milliseconds(*ack_at)));
  }
  // What is configured; whether each device answers now is posd's to say (/v1/status).
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& s : config->scanners) {
    devices.push_back({{"id", s.id}, {"kind", "scanner"}, {"type", s.kind()}, {"terminal", s.terminal},
                       {"at", s.at()}});
  }
  for (const auto& p : config->printers) {
    devices.push_back({{"id", p.id}, {"kind", "printer"}, {"type", p.kind()}, {"terminal", p.terminal},
                       {"at", p.at()}});
  }
  nlohmann::json mqtt = config->mqtt ? nlohmann::json(config->mqtt->url) : nlohmann::json(nullptr);
  struct statvfs vfs {};
  const std::string dir = fs::path(config->database).parent_path().empty() ? "." : fs::path(config->database).parent_path().string();
  ::statvfs(dir.c_str(), &vfs);
  const double free_mib = static_cast<double>(vfs.f_bavail) * static_cast<double>(vfs.f_frsize) / (1024.0 * 1024.0);
  nlohmann::json out = {{"store_id", config->store_id},
                        {"version", POSD_VERSION},
                        {"database", config->database},
                        {"journal_seq", last},
                        {"receipts_issued", *receipts},
                        {"report_period", *period},
                        {"hq", {{"broker", mqtt}, {"acked_seq", *acked}, {"backlog", last - static_cast<int64_t>(*acked)},
                                {"last_contact", last_contact}}},
                        {"devices", devices},
                        {"disk_free_mib", static_cast<int64_t>(free_mib)}};
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace posctl
