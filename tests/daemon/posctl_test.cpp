// posctl journal verify / export, and posd-hq verify, as operators run them.
#include <catch2/catch.hpp>

#include <atomic>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "daemon/config.h"
#include "daemon/terminals.h"
#include "base/local_day.h"
#include "storage/journal.h"
#include "tests/daemon/node.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace posd;
using json = nlohmann::json;

namespace {
std::string make_journal(const test::TempDir& dir, int sales) {
  const std::string path = dir.file("s.db");
  auto j = Journal::open({.db_path = path, .store_id = "S1"});
  REQUIRE(j);
  for (int i = 0; i < sales; ++i) REQUIRE((*j)->append(Entry{"sale", {{"total", i}}}));
  return path;
}
}  // namespace

TEST_CASE("posctl journal verify says ok with the count", "[posctl]") {
  test::TempDir dir;
  const std::string db = make_journal(dir, 5);
  auto r = test::run({test::bin("posctl"), "journal", "verify", "--db", db});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "ok 6 events\n");
}

TEST_CASE("posctl journal verify names the first bad seq and exits 1", "[posctl]") {
  test::TempDir dir;
  const std::string db = make_journal(dir, 5);
  {
    auto d = sql::Db::open(db);
    REQUIRE(d->exec("DROP TRIGGER journal_no_update"));
    REQUIRE(d->exec("UPDATE journal SET payload = '{\"total\":99}' WHERE seq = 4"));
  }
  auto r = test::run({test::bin("posctl"), "journal", "verify", "--db", db});
  CHECK(r.exit_code == 1);
  CHECK(r.out == "bad seq 4: hash mismatch\n");
}

TEST_CASE("an export verifies elsewhere with only the public key", "[posctl]") {
  test::TempDir dir;
  const std::string db = make_journal(dir, 3);
  auto exp = test::run({test::bin("posctl"), "journal", "export", "--db", db});
  REQUIRE(exp.exit_code == 0);
  test::write_text(dir.file("export.jsonl"), exp.out);

  // Only the export and the public key travel.
  test::TempDir hq;
  test::write_text(hq.file("store.pub"), test::read_text(db + ".pub"));
  test::write_text(hq.file("export.jsonl"), exp.out);
  auto v = test::run({test::bin("posctl"), "journal", "verify", "--export", hq.file("export.jsonl"),
                      "--pubkey", hq.file("store.pub")});
  CHECK(v.exit_code == 0);
  CHECK(v.out == "ok 4 events\n");
  auto h = test::run({test::bin("posd-hq"), "verify", "--export", hq.file("export.jsonl"),
                      "--pubkey", hq.file("store.pub")});
  CHECK(h.exit_code == 0);
  CHECK(h.out == "ok 4 events\n");

  auto part = test::run({test::bin("posctl"), "journal", "export", "--db", db, "--from", "3"});
  test::write_text(hq.file("part.jsonl"), part.out);
  auto vp = test::run({test::bin("posctl"), "journal", "verify", "--export", hq.file("part.jsonl"),
                       "--pubkey", hq.file("store.pub")});
  CHECK(vp.out == "ok 2 events\n");

  // Another store's key does not verify it.
  test::TempDir other;
  REQUIRE(StoreKey::load_or_create(other.file("k"), other.file("k.pub")));
  auto wrong = test::run({test::bin("posctl"), "journal", "verify", "--export", hq.file("export.jsonl"),
                          "--pubkey", other.file("k.pub")});
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.out == "bad seq 1: genesis names a different public key\n");
}

TEST_CASE("a range exported with its signed manifest proves itself whole, and a cut at either end fails", "[posctl][journal]") {
  test::TempDir dir;
  const std::string db = make_journal(dir, 9);  // seq 1..10
  auto run = [](std::vector<std::string> args) {
    args.insert(args.begin(), test::bin("posctl"));
    return test::run(args);
  };
  auto exp = run({"journal", "export", "--db", db, "--from", "3", "--to", "7", "--manifest", dir.file("m.json")});
  REQUIRE(exp.exit_code == 0);
  auto manifest = json::parse(test::read_text(dir.file("m.json")));
  CHECK(manifest["store_id"] == "S1");
  CHECK(manifest["from_seq"] == 3);
  CHECK(manifest["to_seq"] == 7);
  CHECK(manifest["count"] == 5);
  CHECK(run({"journal", "export", "--db", db, "--manifest", dir.file("m.json")}).exit_code == 2);  // never overwritten

  // Only the export, its manifest and the public key travel.
  test::TempDir auditor;
  test::write_text(auditor.file("store.pub"), test::read_text(db + ".pub"));
  auto verify = [&](const std::string& lines, const std::string& manifest_text) {
    test::write_text(auditor.file("x.jsonl"), lines);
    test::write_text(auditor.file("x.json"), manifest_text);
    return run({"journal", "verify", "--export", auditor.file("x.jsonl"), "--pubkey", auditor.file("store.pub"),
                "--manifest", auditor.file("x.json")});
  };
  const std::string text = test::read_text(dir.file("m.json"));
  auto ok = verify(exp.out, text);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out == "ok 5 events, seq 3 to 7 of store S1, as the manifest says\n");

  const std::string first_cut = exp.out.substr(exp.out.find('\n') + 1);
  auto head = verify(first_cut, text);
  CHECK(head.exit_code == 1);
  CHECK(head.out == "bad manifest: the first seq is 4 in the export, 3 in the manifest: the export was cut or changed\n");
  const std::string last_cut = exp.out.substr(0, exp.out.rfind('\n', exp.out.size() - 2) + 1);
  auto tail = verify(last_cut, text);
  CHECK(tail.out == "bad manifest: the last seq is 6 in the export, 7 in the manifest: the export was cut or changed\n");
  json edited = manifest;
  edited["to_seq"] = 6;
  edited["count"] = 4;
  auto forged = verify(last_cut, edited.dump());
  CHECK(forged.out == "bad manifest: its signature is not the store key's: it was altered\n");
  // A manifest that is not exactly one is a bad manifest (exit 1), not a failure to run.
  auto twice = verify(exp.out, "{\"count\":4," + text.substr(text.find('{') + 1));
  CHECK(twice.exit_code == 1);
  CHECK(twice.out == "bad manifest: duplicate key \"count\"\n");
  json extra = manifest;
  extra["note"] = "x";
  auto more = verify(exp.out, extra.dump());
  CHECK(more.exit_code == 1);
  CHECK(more.out == "bad manifest: a manifest holds its fields and no other\n");

  // By business day: every event of today.
  const std::string today = json::parse(exp.out.substr(0, exp.out.find('\n')))["business_day"];
  auto day = run({"journal", "export", "--db", db, "--day-from", today, "--manifest", dir.file("d.json")});
  REQUIRE(day.exit_code == 0);
  CHECK(json::parse(test::read_text(dir.file("d.json")))["count"] == 10);
  CHECK(verify(day.out, test::read_text(dir.file("d.json"))).exit_code == 0);
  CHECK(run({"journal", "export", "--db", db, "--day-from", "1999-01-01"}).exit_code == 2);
}

TEST_CASE("posctl reports what it cannot do with exit 2", "[posctl]") {
  test::TempDir dir;
  auto missing = test::run({test::bin("posctl"), "journal", "verify", "--db", dir.file("none.db")});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("none.db"));
  auto no_key = test::run({test::bin("posctl"), "journal", "verify", "--export", dir.file("x")});
  CHECK(no_key.exit_code == 2);
  CHECK_THAT(no_key.err, Catch::Contains("--pubkey"));
  auto neither = test::run({test::bin("posctl"), "journal", "verify"});
  CHECK(neither.exit_code == 2);
}

TEST_CASE("posctl terminal add keeps only the token's digest and prints the token once", "[posctl]") {
  test::TempDir dir;
  nlohmann::json cfg = {{"store_id", "S1"}, {"database", dir.file("s.db")}, {"listen", "127.0.0.1:0"},
                        {"plain_http", true}, {"terminals", nlohmann::json::array()}};
  test::write_text(dir.file("posd.json"), cfg.dump());
  auto add = test::run({test::bin("posctl"), "terminal", "add", "--config", dir.file("posd.json"), "--id", "lane-7",
                        "--role", "supervisor"});
  REQUIRE(add.exit_code == 0);
  const std::string token = add.out.substr(add.out.find('\n') + 1, 48);
  CHECK(token.size() == 48);
  CHECK(test::read_text(dir.file("posd.json")).find(token) == std::string::npos);
  auto config = load_config(dir.file("posd.json"));
  REQUIRE(config);
  const Terminals terminals(config->terminals);
  const TerminalConfig* t = terminals.authenticate("Bearer " + token);
  REQUIRE(t);
  CHECK(t->id == "lane-7");
  CHECK(t->role == Role::supervisor);

  CHECK(test::run({test::bin("posctl"), "terminal", "add", "--config", dir.file("posd.json"), "--id", "lane-7"}).exit_code == 2);
  CHECK(test::run({test::bin("posctl"), "terminal", "remove", "--config", dir.file("posd.json"), "--id", "lane-7"}).exit_code == 0);
  CHECK(load_config(dir.file("posd.json"))->terminals.empty());
  CHECK(test::run({test::bin("posctl"), "terminal", "remove", "--config", dir.file("posd.json"), "--id", "lane-7"}).exit_code == 1);
}

TEST_CASE("posctl terminal add keeps the configuration's mode, owner and group, and leaves no part written", "[posctl]") {
  test::TempDir dir;
  nlohmann::json cfg = {{"store_id", "S1"}, {"database", dir.file("s.db")}, {"listen", "127.0.0.1:0"},
                        {"plain_http", true}, {"terminals", nlohmann::json::array()}};
  const std::string path = dir.file("posd.json");
  test::write_text(path, cfg.dump());
  // As packaged: root's file, readable by posd's group alone.
  REQUIRE(::chmod(path.c_str(), 0640) == 0);
  const bool root = ::geteuid() == 0;
  if (root) REQUIRE(::chown(path.c_str(), 0, 65534) == 0);
  auto add = test::run({test::bin("posctl"), "terminal", "add", "--config", path, "--id", "lane-7"});
  REQUIRE(add.exit_code == 0);
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);  // was 0666 less the umask: every local user read the tokens
  if (root) CHECK(st.st_gid == 65534);  // was root's: posd's group could no longer read it
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  REQUIRE(load_config(path));
  CHECK(load_config(path)->terminals.size() == 1);
}

TEST_CASE("posctl catalog import checks the whole document and journals the import", "[posctl]") {
  test::TempDir dir;
  const std::string catalog = std::string(POSD_SOURCE_DIR) + "/scripts/demo-catalog.json";
  auto fresh = test::run({test::bin("posctl"), "catalog", "import", "--db", dir.file("s.db"), catalog});
  CHECK(fresh.exit_code == 2);  // a new database needs --store
  CHECK_THAT(fresh.err, Catch::Contains("needs a store_id"));
  auto ok = test::run({test::bin("posctl"), "catalog", "import", "--db", dir.file("s.db"), "--store", "S1", catalog});
  REQUIRE(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::StartsWith("imported 12 items, 2 tax classes, 5 promotions at seq 2"));

  auto doc = nlohmann::json::parse(test::read_text(catalog));
  doc["items"][2]["price"] = "3.49";
  test::write_text(dir.file("bad.json"), doc.dump());
  auto bad = test::run({test::bin("posctl"), "catalog", "import", "--db", dir.file("s.db"), dir.file("bad.json")});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Catch::Contains("items[2].price: must be an integer from 0 to 100000000000"));
  // A key given twice is refused (it was taken at its last value), and nothing is imported.
  std::string twice = doc.dump();
  twice.replace(twice.find("\"price\":\"3.49\""), 14, "\"price\":349,\"price\":1");
  test::write_text(dir.file("twice.json"), twice);
  auto repeated = test::run({test::bin("posctl"), "catalog", "import", "--db", dir.file("s.db"), dir.file("twice.json")});
  CHECK(repeated.exit_code == 1);
  CHECK(repeated.err == "posctl: " + dir.file("twice.json") + ": duplicate key \"price\" in /items\n");

  CHECK(test::run({test::bin("posctl"), "stock", "receive", "--db", dir.file("s.db"), "--sku", "BREAD", "--qty", "12"}).out ==
        "BREAD on hand 12 at seq 3\n");
  CHECK(test::run({test::bin("posctl"), "stock", "receive", "--db", dir.file("s.db"), "--sku", "NOPE", "--qty", "1"}).exit_code == 1);
  auto verify = test::run({test::bin("posctl"), "journal", "verify", "--db", dir.file("s.db")});
  CHECK(verify.out == "ok 3 events\n");
}

TEST_CASE("posctl operator add takes the PIN on stdin, keeps only its hash, and journals who was added", "[posctl][operators]") {
  test::TempDir dir;
  const std::string db = dir.file("s.db");
  const std::string catalog = std::string(POSD_SOURCE_DIR) + "/scripts/demo-catalog.json";
  REQUIRE(test::run({test::bin("posctl"), "catalog", "import", "--db", db, "--store", "S1", catalog}).exit_code == 0);
  auto add = [&](const std::string& id, const std::string& role, const std::string& pin) {
    return test::run({test::bin("posctl"), "operator", "add", "--db", db, "--id", id, "--name", "Ann Example", "--role", role}, pin + "\n");
  };
  CHECK(add("ann", "cashier", "12").exit_code == 1);
  CHECK_THAT(add("ann", "cashier", "12ab").err, Catch::Contains("must be 4 to 8 digits"));
  CHECK(add("a n", "cashier", "4711").exit_code == 1);
  CHECK(add("ann", "owner", "4711").exit_code != 0);
  auto ok = add("ann", "cashier", "4711");
  REQUIRE(ok.exit_code == 0);
  CHECK(ok.out.find("4711") == std::string::npos);
  auto list = test::run({test::bin("posctl"), "operator", "list", "--db", db});
  REQUIRE(list.exit_code == 0);
  const json row = json::parse(list.out);
  CHECK(row["id"] == "ann");
  CHECK(row["role"] == "cashier");
  CHECK(!row.contains("pin_hash"));
  auto hashed = test::run({test::bin("posctl"), "operator", "hash-pin"}, "4711\n");
  REQUIRE(hashed.exit_code == 0);
  CHECK_THAT(hashed.out, Catch::StartsWith("scrypt$14$8$1$"));
  // Neither the PIN nor a hash reaches the journal; who was added does.
  auto events = test::journal_events(db);
  bool secret = false;
  for (const Event& e : events) secret = secret || e.payload.dump().find("scrypt$") != std::string::npos;
  CHECK_FALSE(secret);
  auto added = test::journal_events(db, "operator_provisioned");
  REQUIRE(added.size() == 1);
  CHECK(added[0].payload == json({{"operator", "ann"}, {"name", "Ann Example"}, {"role", "cashier"}, {"source", "posctl"}}));
  CHECK(test::run({test::bin("posctl"), "operator", "remove", "--db", db, "--id", "ann"}).exit_code == 0);
  CHECK(test::run({test::bin("posctl"), "operator", "remove", "--db", db, "--id", "ann"}).exit_code == 1);
  CHECK(test::run({test::bin("posctl"), "journal", "verify", "--db", db}).exit_code == 0);
}

TEST_CASE("posctl backup copies a live database consistently, and restore brings it back", "[posctl]") {
  test::TempDir dir;
  const std::string db = make_journal(dir, 10);
  auto j = Journal::open({.db_path = db, .store_id = "S1"});
  REQUIRE(j);
  // Writes go on while the backup runs.
  // (Catch's assertions belong to the test's own thread: the writer only counts failures.)
  std::atomic<bool> stop{false};
  std::atomic<int> failed_appends{0};
  std::thread writer([&] {
    while (!stop) {
      if (!(*j)->append(Entry{"sale", {{"total", 1}}})) ++failed_appends;
    }
  });
  auto b = test::run({test::bin("posctl"), "backup", "--db", db, "--to", dir.file("backup.db")});
  stop = true;
  writer.join();
  CHECK(failed_appends == 0);
  REQUIRE(b.exit_code == 0);
  CHECK_THAT(b.out, Catch::StartsWith("ok "));
  namespace fs = std::filesystem;
  const auto owner_only = fs::perms::owner_read | fs::perms::owner_write;
  // The copy is the owner's only, and holds no signing key unless asked.
  CHECK((fs::status(dir.file("backup.db")).permissions() & fs::perms::all) == owner_only);
  CHECK_FALSE(fs::exists(dir.file("backup.db.key")));
  CHECK(fs::exists(dir.file("backup.db.pub")));
  CHECK(test::run({test::bin("posctl"), "backup", "--db", db, "--to", dir.file("backup.db")}).exit_code == 2);
  REQUIRE(test::run({test::bin("posctl"), "backup", "--db", db, "--to", dir.file("keyed.db"), "--with-signing-key"}).exit_code == 0);
  CHECK((fs::status(dir.file("keyed.db.key")).permissions() & fs::perms::all) == owner_only);

  // Restoring a backup without its key needs the store's key, and the right one.
  auto keyless = test::run({test::bin("posctl"), "restore", "--from", dir.file("backup.db"), "--db", dir.file("restored.db")});
  CHECK(keyless.exit_code == 2);
  CHECK_THAT(keyless.err, Catch::Contains("give --signing-key FILE"));
  auto other = Journal::open({.db_path = dir.file("other.db"), .store_id = "S2"});
  REQUIRE(other);
  auto wrong = test::run({test::bin("posctl"), "restore", "--from", dir.file("backup.db"), "--db", dir.file("restored.db"),
                          "--signing-key", dir.file("other.db.key")});
  CHECK(wrong.exit_code == 2);
  CHECK_THAT(wrong.err, Catch::Contains("is not the key that signed"));
  CHECK(test::run({test::bin("posctl"), "restore", "--from", dir.file("keyed.db"), "--db", dir.file("from-keyed.db")}).exit_code == 0);
  // A restore that cannot finish writes nothing: here another store's public key is in the way.
  fs::copy_file(dir.file("other.db.pub"), dir.file("blocked.db.pub"));
  auto blocked = test::run({test::bin("posctl"), "restore", "--from", dir.file("keyed.db"), "--db", dir.file("blocked.db")});
  CHECK(blocked.exit_code == 2);
  CHECK_THAT(blocked.err, Catch::Contains("is another store's"));
  CHECK_FALSE(fs::exists(dir.file("blocked.db")));
  // The store's own key, left where it was when the broken database moved away, is used in place.
  REQUIRE(test::run({test::bin("posctl"), "restore", "--from", dir.file("backup.db"), "--db", dir.file("in-place.db"),
                     "--signing-key", dir.file("keyed.db.key")}).exit_code == 0);
  fs::remove(dir.file("in-place.db"));
  REQUIRE(test::run({test::bin("posctl"), "restore", "--from", dir.file("backup.db"), "--db", dir.file("in-place.db"),
                     "--signing-key", dir.file("in-place.db.key")}).exit_code == 0);
  auto r = test::run({test::bin("posctl"), "restore", "--from", dir.file("backup.db"), "--db", dir.file("restored.db"),
                      "--signing-key", db + ".key"});
  REQUIRE(r.exit_code == 0);
  CHECK(test::run({test::bin("posctl"), "journal", "verify", "--db", dir.file("restored.db")}).exit_code == 0);
  auto over = test::run({test::bin("posctl"), "restore", "--from", dir.file("backup.db"), "--db", db});
  CHECK(over.exit_code == 2);
  CHECK_THAT(over.err, Catch::Contains("never overwrites"));
  // The restored store carries on with its own key and chain.
  auto again = Journal::open({.db_path = dir.file("restored.db"), .store_id = "S1"});
  REQUIRE(again);
  REQUIRE((*again)->append(Entry{"sale", {{"total", 2}}}));
}

TEST_CASE("posctl status tells an operator the essentials", "[posctl]") {
  test::TempDir dir;
  const std::string db = make_journal(dir, 4);
  nlohmann::json cfg = {{"store_id", "S1"}, {"database", db}, {"listen", "127.0.0.1:0"}, {"plain_http", true},
                        {"terminals", {{{"id", "lane-1"}, {"token", "lane-one-token-000000"}, {"role", "cashier"}}}},
                        {"printers", {{{"id", "p1"}, {"terminal", "lane-1"}, {"type", "device"}, {"path", "/dev/usb/lp0"}}}},
                        {"mqtt", {{"url", "tcp://hq.example:1883"}}}};
  test::write_text(dir.file("posd.json"), cfg.dump());
  auto s = test::run({test::bin("posctl"), "status", "--config", dir.file("posd.json")});
  REQUIRE(s.exit_code == 0);
  auto j = nlohmann::json::parse(s.out);
  CHECK(j["store_id"] == "S1");
  CHECK(j["journal_seq"] == 5);
  CHECK(j["hq"]["backlog"] == 5);
  CHECK(j["hq"]["broker"] == "tcp://hq.example:1883");
  CHECK(j["hq"]["last_contact"].is_null());  // HQ never acknowledged anything
  CHECK(j["devices"] == nlohmann::json::parse(
      R"([{"id": "p1", "kind": "printer", "type": "device", "terminal": "lane-1", "at": "/dev/usb/lp0"}])"));
  CHECK(j["disk_free_mib"].get<int64_t>() > 0);
}

TEST_CASE("posctl barcode says what a scan holds, as one JSON object", "[posctl]") {
  auto run = [](std::vector<std::string> args) {
    args.insert(args.begin(), {test::bin("posctl"), "barcode"});
    return test::run(args);
  };
  const std::string scale_label = "2212346146856";  // DE: a price of 146.85 behind its price check digit
  auto ok = run({"--region", "DE", scale_label});
  REQUIRE(ok.exit_code == 0);
  auto j = nlohmann::json::parse(ok.out);
  CHECK(j["valid"] == true);
  CHECK(j["symbology"] == "EAN-13");
  CHECK(j["gtin"] == "0" + scale_label);
  CHECK(j["price_minor"] == 14685);
  CHECK(j["weight_g"].is_null());
  CHECK(j["error"].is_null());

  auto gs1 = run({"]C10109506000134352" "3103000500" "17991231"});
  REQUIRE(gs1.exit_code == 0);
  auto g = nlohmann::json::parse(gs1.out);
  CHECK(g["ais"] == nlohmann::json{{"01", "09506000134352"}, {"17", "991231"}, {"3103", "000500"}});
  CHECK(g["weight_g"] == 500);

  auto bad = run({"4006381333932"});
  CHECK(bad.exit_code == 1);
  CHECK(nlohmann::json::parse(bad.out)["error"] == "bad check digit");

  auto region = run({"--region", "XX", scale_label});
  CHECK(region.exit_code == 2);
  CHECK_THAT(region.err, Catch::Contains("no variable-measure scheme for region \"XX\""));
}

TEST_CASE("posctl stamps its events with the store's local day, which posd keeps in the database", "[posctl][localday]") {
  test::TempDir dir;
  const std::string db = dir.file("s.db");
  const std::string catalog = std::string(POSD_SOURCE_DIR) + "/scripts/demo-catalog.json";
  REQUIRE(test::run({test::bin("posctl"), "catalog", "import", "--db", db, "--store", "S1", catalog}).exit_code == 0);
  // A zone whose date is not the UTC date right now: 14 hours ahead from
  // 10:00 UTC on, 11 hours behind before 11:00 UTC.
  const auto now = std::chrono::system_clock::now();
  const auto utc_hour = std::chrono::duration_cast<std::chrono::hours>(now.time_since_epoch()).count() % 24;
  const std::string zone = utc_hour >= 10 ? "Pacific/Kiritimati" : "Pacific/Pago_Pago";
  INFO(zone);
  {
    // As posd opens it, with its configuration's zone and turn.
    auto j = Journal::open({.db_path = db, .time_zone = zone, .business_day_starts = "00:00"});
    REQUIRE(j);
  }
  const LocalDay local = *LocalDay::make(zone, "00:00");
  const std::string before = local.business_day(std::chrono::system_clock::now());
  REQUIRE(test::run({test::bin("posctl"), "stock", "receive", "--db", db, "--sku", "BREAD", "--qty", "12"}).exit_code == 0);
  const std::string after = local.business_day(std::chrono::system_clock::now());
  auto received = test::journal_events(db);
  REQUIRE(!received.empty());
  const std::string day = received.back().business_day;
  CHECK((day == before || day == after));
  CHECK(day != LocalDay().business_day(now));  // not the UTC date
}
