// Real processes for the sync tests: a Mosquitto broker on a free loopback
// port with TLS (client certificates from a test CA) and an ACL that confines
// each store's certificate to posd/<store_id>/#; posd-hq serve; and posd
// stores, each a real posd process with its own database and HTTP port.
#pragma once

#include "storage/event.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/port.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace posd::test {

// Polls `done` every 20 ms for up to `seconds`; its last answer.
bool wait_until(const std::function<bool()>& done, double seconds);

// The test CA and certificates, made once per test run with the openssl CLI:
// "broker" (127.0.0.1), "hq", and one per store id asked for.
class Pki {
 public:
  static Pki& get();
  std::string ca() const { return dir_.file("ca.crt"); }
  std::string cert(const std::string& name);  // makes it on first use
  std::string key(const std::string& name);

 private:
  Pki();
  TempDir dir_;
};

class Broker {
 public:
  explicit Broker(const TempDir& dir);
  // Listens on `address` too, with the same port and TLS (before start).
  void listen_also(const std::string& address);
  uint16_t port() const { return port_; }
  void start();
  void stop();   // SIGTERM and wait
  void kill();   // SIGKILL
  std::string url() const { return "ssl://127.0.0.1:" + std::to_string(port_); }
  // mosquitto_pub as `identity` (its certificate): the exit code.
  int publish_as(const std::string& identity, const std::string& topic, const std::string& payload);
  // The retained message on `topic`, read as HQ ("" when there is none).
  std::string retained(const std::string& topic);

 private:
  const TempDir& dir_;
  uint16_t port_;
  std::unique_ptr<Child> proc_;
};

class Hq {
 public:
  // `db` empty: the backend the run asks for (see db()).
  Hq(const TempDir& dir, const Broker& broker, std::string name = "hq", std::string db = {});
  void start(const std::vector<std::string>& extra = {});
  void stop();
  void kill();  // SIGKILL
  // Its database: a SQLite file, or with POSD_HQ_BACKEND=postgres a database
  // of the shared test server (tests/support/postgres.h), one per TempDir.
  std::string db() const { return db_; }
  // Drops everything HQ holds (stopped first), as a lost disk would.
  void lose_data();
  // posd-hq <args...> --db <db>: its JSON output (fails the test on an error).
  nlohmann::json cli(std::vector<std::string> args);
  nlohmann::json report(const std::string& store_id) { return cli({"report", "--store", store_id}); }
  std::string log() const { return proc_ ? proc_->err() : std::string(); }
  pid_t pid() const { return proc_ ? proc_->pid() : -1; }

 private:
  const TempDir& dir_;
  const Broker& broker_;
  std::string name_;
  std::string db_;
  std::unique_ptr<Child> proc_;
};

class Store {
 public:
  // Creates the store's database with the demo catalog and 40 of each unit
  // item, and registers it with `hq`.
  Store(const TempDir& dir, const Broker& broker, Hq& hq, std::string store_id);
  // Runs posd in network namespace `netns`, its API on `host` (before start).
  void in_namespace(const std::string& netns, const std::string& host);
  void start();
  void stop();  // SIGTERM and wait
  void kill();  // SIGKILL
  uint16_t port() const { return port_; }
  const std::string& id() const { return id_; }
  std::string db() const { return db_; }
  std::string config() const { return dir_.file(id_ + ".json"); }
  std::string log() const { return proc_ ? proc_->err() : std::string(); }
  pid_t pid() const { return proc_ ? proc_->pid() : -1; }
  // One cash sale of `code` through the API; its receipt number, or -1.
  int64_t sell(const std::string& code = "BREAD") const;
  nlohmann::json status() const;

 private:
  const TempDir& dir_;
  std::string id_;
  std::string db_;
  uint16_t port_;
  std::vector<std::string> prefix_;  // before posd's own argv
  std::unique_ptr<Child> proc_;
};

inline const std::string kStoreToken = "store-lane-token-0123456789";

// A log's last n characters, for a failing check's context.
inline std::string log_tail(const std::string& log, size_t n = 3000) { return log.size() > n ? log.substr(log.size() - n) : log; }

// A broker, HQ and store S1 running, the store's link up.
struct OnlineStore {
  OnlineStore();
  TempDir dir;
  Broker broker{dir};
  Hq hq{dir, broker};
  Store store{dir, broker, hq, "S1"};
};

// A lane per store selling PEN-BLUE without pause until stop() (or the end
// of scope, also when a failed REQUIRE unwinds); the acknowledged sales are
// counted. A sale cut off because posd was killed is neither.
class Selling {
 public:
  explicit Selling(std::vector<Store*> stores);
  ~Selling() { stop(); }
  Selling(const Selling&) = delete;
  Selling& operator=(const Selling&) = delete;
  void stop();
  int sold() const { return sold_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> sold_{0};
  std::vector<std::thread> lanes_;
};

// GET /metrics of a posd-hq serving --metrics 127.0.0.1:<port> (status 200).
std::string scrape(uint16_t port);
// The value of `series` (its name and labels as exposed, e.g.
// posd_hq_store_lag_events{store="S1"}) in a Prometheus text page; fails the
// test when it is absent.
double sample(const std::string& page, const std::string& series);

// HQ's copy of a store's journal, in the order HQ stored it.
std::vector<Event> hq_events(const std::string& hq_db, const std::string& store_id);
// The seq HQ holds of the store without a gap.
uint64_t hq_acked(Hq& hq, const std::string& store_id);
// HQ holds exactly the store's journal: every seq once, in order, the same
// events, and a chain that verifies with the store's key.
void require_hq_holds_journal(Hq& hq, const std::string& store_id, const std::string& store_db);
inline void require_hq_holds_journal(Hq& hq, const Store& store) { require_hq_holds_journal(hq, store.id(), store.db()); }

}  // namespace posd::test
