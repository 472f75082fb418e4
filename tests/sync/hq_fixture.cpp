#include "tests/sync/hq_fixture.h"

#include <sstream>

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <regex>
#include <thread>

#include "hq/store.h"
#include "storage/chain.h"
#include "storage/journal.h"
#include "storage/journal_export.h"
#include "tests/daemon/node.h"

namespace posd::test {

using json = nlohmann::json;

bool wait_until(const std::function<bool()>& done, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

namespace {

// The end of a process's output, for a failure message (Catch chokes on very long ones).
std::string last_lines(const std::string& text) { return text.size() > 2000 ? text.substr(text.size() - 2000) : text; }

// Waits until `child` says `text` on stderr; its log in the failure otherwise.
void require_started(Child& child, const std::string& text) {
  const bool up = child.wait_for_err(text);
  INFO(last_lines(child.err()));
  REQUIRE(up);
}

// A directory of its own under `dir` for one process's output.
std::string own_dir(const TempDir& dir, const std::string& name) {
  const std::string d = dir.file(name);
  ::mkdir(d.c_str(), 0700);
  return d;
}

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run(argv);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

}  // namespace

Pki& Pki::get() {
  static Pki pki;
  return pki;
}

Pki::Pki() {
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
           dir_.file("ca.key"), "-out", ca(), "-subj", "/CN=posd-test-ca", "-days", "2"});
  write_text(dir_.file("broker.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
}

std::string Pki::cert(const std::string& name) {
  const std::string crt = dir_.file(name + ".crt");
  if (::access(crt.c_str(), R_OK) == 0) return crt;
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key(name), "-out",
           dir_.file(name + ".csr"), "-subj", "/CN=" + name});
  std::vector<std::string> sign{"x509", "-req", "-in", dir_.file(name + ".csr"), "-CA", ca(), "-CAkey", dir_.file("ca.key"),
                                "-CAcreateserial", "-out", crt, "-days", "2"};
  if (name == "broker") sign.insert(sign.end(), {"-extfile", dir_.file("broker.ext")});
  openssl(sign);
  return crt;
}

std::string Pki::key(const std::string& name) { return dir_.file(name + ".key"); }

Broker::Broker(const TempDir& dir) : dir_(dir), port_(unused_port()) {
  Pki& pki = Pki::get();
  // Each store's certificate (CN = store id) reaches its own topics only.
  write_text(dir_.file("acl"),
             "user hq\ntopic readwrite posd/#\ntopic readwrite $share/#\n\npattern readwrite posd/%u/#\n");
  write_text(dir_.file("mosquitto.conf"),
             "user root\npersistence false\nlog_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n"
             "log_type information\nper_listener_settings false\nallow_anonymous false\nacl_file " +
                 dir_.file("acl") + "\nlistener " + std::to_string(port_) + " 127.0.0.1\ncafile " + pki.ca() +
                 "\ncertfile " + pki.cert("broker") + "\nkeyfile " + pki.key("broker") +
                 "\nrequire_certificate true\nuse_identity_as_username true\n");
}

void Broker::listen_also(const std::string& address) {
  Pki& pki = Pki::get();
  const std::string conf = dir_.file("mosquitto.conf");
  write_text(conf, read_text(conf) + "listener " + std::to_string(port_) + " " + address + "\ncafile " + pki.ca() +
                       "\ncertfile " + pki.cert("broker") + "\nkeyfile " + pki.key("broker") +
                       "\nrequire_certificate true\nuse_identity_as_username true\n");
}

void Broker::start() {
  proc_ = std::make_unique<Child>(std::vector<std::string>{"mosquitto", "-c", dir_.file("mosquitto.conf")}, own_dir(dir_, "broker"));
  require_started(*proc_, " running");
}

void Broker::stop() {
  if (!proc_) return;
  proc_->signal(SIGTERM);
  proc_->wait();
  proc_.reset();
}

void Broker::kill() {
  if (!proc_) return;
  proc_->signal(SIGKILL);
  proc_->wait();
  proc_.reset();
}

int Broker::publish_as(const std::string& identity, const std::string& topic, const std::string& payload) {
  Pki& pki = Pki::get();
  auto r = run({"mosquitto_pub", "-V", "5", "-h", "127.0.0.1", "-p", std::to_string(port_), "--cafile", pki.ca(),
                "--cert", pki.cert(identity), "--key", pki.key(identity), "-q", "1", "-t", topic, "-s"},
               payload);
  return r.exit_code;
}

std::string Broker::retained(const std::string& topic) {
  Pki& pki = Pki::get();
  auto r = run({"mosquitto_sub", "-V", "5", "-h", "127.0.0.1", "-p", std::to_string(port_), "--cafile", pki.ca(),
                "--cert", pki.cert("hq"), "--key", pki.key("hq"), "-q", "1", "-t", topic, "-C", "1", "-W", "2",
                "--retained-only"});
  return r.exit_code == 0 ? r.out.substr(0, r.out.find('\n')) : std::string();
}

Hq::Hq(const TempDir& dir, const Broker& broker, std::string name, std::string db)
    : dir_(dir), broker_(broker), name_(std::move(name)), db_(std::move(db)) {
  if (db_.empty()) db_ = hq_database(dir.path());
}

void Hq::kill() {
  if (!proc_) return;
  proc_->signal(SIGKILL);
  proc_->wait();
  proc_.reset();
}

void Hq::lose_data() {
  if (hq_on_postgres()) {
    const size_t at = db_.find(":///") + 4;  // postgresql:///<name>?host=…
    const std::string name = db_.substr(at, db_.find('?') - at);
    Postgres::shared().drop_database(name);
    Postgres::shared().create_database(name);
    return;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_ + suffix);
}

void Hq::start(const std::vector<std::string>& extra) {
  Pki& pki = Pki::get();
  std::vector<std::string> argv{bin("posd-hq"), "serve", "--db", db_, "--url", broker_.url(), "--client-id", name_,
                                "--ca", pki.ca(), "--cert", pki.cert("hq"), "--key", pki.key("hq")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  proc_ = std::make_unique<Child>(argv, own_dir(dir_, name_));
  require_started(*proc_, "serving");
}

void Hq::stop() {
  if (!proc_) return;
  proc_->signal(SIGTERM);
  proc_->wait();
  proc_.reset();
}

json Hq::cli(std::vector<std::string> args) {
  std::vector<std::string> argv{bin("posd-hq")};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--db", db_});
  auto r = run(argv);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

Store::Store(const TempDir& dir, const Broker& broker, Hq& hq, std::string store_id)
    : dir_(dir), id_(std::move(store_id)), db_(dir.file(id_ + ".db")), port_(unused_port()) {
  {
    auto j = Journal::open({.db_path = db_, .store_id = id_});
    REQUIRE(j);
    load_demo_catalog(**j);
  }
  Pki& pki = Pki::get();
  json config = {{"store_id", id_},
                 {"database", db_},
                 {"listen", "127.0.0.1:" + std::to_string(port_)},
                 {"plain_http", true},
                 {"log_level", "debug"},
                 {"terminals", {{{"id", "lane-1"}, {"token", kStoreToken}, {"role", "supervisor"}}}},
                 {"mqtt",
                  {{"url", broker.url()},
                   {"tls", {{"ca", pki.ca()}, {"certificate", pki.cert(id_)}, {"private_key", pki.key(id_)}}}}}};
  write_text(dir_.file(id_ + ".json"), config.dump());
  hq.cli({"store", "add", "--store", id_, "--pubkey", db_ + ".pub"});
}

void Store::in_namespace(const std::string& netns, const std::string& host) {
  prefix_ = {"ip", "netns", "exec", netns};
  json config = json::parse(read_text(this->config()));
  config["listen"] = host + ":" + std::to_string(port_);
  write_text(this->config(), config.dump());
}

void Store::start() {
  std::vector<std::string> argv = prefix_;
  argv.insert(argv.end(), {bin("posd"), "--config", dir_.file(id_ + ".json")});
  proc_ = std::make_unique<Child>(argv, own_dir(dir_, id_));
  require_started(*proc_, "serving on");
}

void Store::stop() {
  if (!proc_) return;
  proc_->signal(SIGTERM);
  proc_->wait();
  proc_.reset();
}

void Store::kill() {
  if (!proc_) return;
  proc_->signal(SIGKILL);
  proc_->wait();
  proc_.reset();
}

int64_t Store::sell(const std::string& code) const {
  Lane lane(port_, kStoreToken);
  auto b = lane.post("/v1/baskets");
  if (b.status != 201) return -1;
  const std::string id = b.json()["id"];
  if (lane.post("/v1/baskets/" + id + "/lines", {{"code", code}}).status != 200) return -1;
  if (lane.post("/v1/baskets/" + id + "/tenders", {{"type", "cash"}, {"amount", 100000}}).status != 200) return -1;
  auto done = lane.post("/v1/baskets/" + id + "/complete");
  if (done.status != 200) return -1;
  return done.json()["receipt_no"].get<int64_t>();
}

json Store::status() const {
  auto r = Lane(port_, kStoreToken).get("/v1/status");
  REQUIRE(r.status == 200);
  return r.json();
}

OnlineStore::OnlineStore() {
  broker.start();
  hq.start();
  store.start();
  REQUIRE(wait_until([&] { return store.status()["hq"]["link"] == "up"; }, 20));
}

Selling::Selling(std::vector<Store*> stores) {
  for (Store* s : stores) {
    lanes_.emplace_back([this, s] {
      while (!stop_) {
        try {
          if (s->sell("PEN-BLUE") > 0) ++sold_;
        } catch (const std::exception&) {
          // posd was killed mid-request: not acknowledged, not counted.
        }
      }
    });
  }
}

void Selling::stop() {
  stop_ = true;
  for (auto& t : lanes_) {
    if (t.joinable()) t.join();
  }
}

std::string scrape(uint16_t port) {
  auto r = request(port, "GET", "/metrics", "");
  REQUIRE(r.status == 200);
  return r.body;
}

double sample(const std::string& page, const std::string& series) {
  std::istringstream lines(page);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  FAIL("no " << series << " in\n" << page);
  return 0;
}

// HQ's copy of a store's journal, in the order HQ stored it, read through
// posd-hq's own HqStore (either backend).
std::vector<Event> hq_events(const std::string& hq_db, const std::string& store_id) {
  auto db = hq::open_store(hq_db);
  REQUIRE(db);
  std::vector<Event> out;
  for (;;) {
    auto page = (*db)->events(store_id, out.empty() ? 0 : out.back().seq, 1000);
    REQUIRE(page);
    if (page->empty()) return out;
    out.insert(out.end(), page->begin(), page->end());
  }
}

uint64_t hq_acked(Hq& hq, const std::string& store_id) {
  return hq.report(store_id)["acked_seq"].get<uint64_t>();
}

// HQ holds exactly the store's journal: every seq once, in order, the same
// events, and a chain that verifies with the store's key.
void require_hq_holds_journal(Hq& hq, const std::string& store_id, const std::string& store_db) {
  auto mine = journal_events(store_db);
  auto theirs = hq_events(hq.db(), store_id);
  REQUIRE(theirs.size() == mine.size());
  auto key = PublicKey::load(store_db + ".pub");
  REQUIRE(key);
  ChainVerifier chain(*key);
  for (size_t i = 0; i < mine.size(); ++i) {
    REQUIRE(theirs[i].seq == i + 1);
    REQUIRE(theirs[i].hash == mine[i].hash);
    REQUIRE(theirs[i].signature == mine[i].signature);
    REQUIRE(chain.feed(theirs[i]));
  }
}

}  // namespace posd::test
