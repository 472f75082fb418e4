// A throwaway PostgreSQL 15 server for the tests, never the machine's own
// cluster: initdb in a fresh directory owned by the `postgres` system user
// (PostgreSQL refuses to run as root; the tests run as root), the server run
// as that user with setpriv (our child, and killed when the test process
// dies), on a unix socket in its directory only, named for a free port
// number. Trust authentication (but for kPasswordRole): it is reachable
// only from this machine.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tests/support/process.h"

namespace posd::test {

class Postgres {
 public:
  // The one role that must log in with a password (scram-sha-256); a test
  // creates it when it needs it.
  static constexpr const char* kPasswordRole = "hq_password";

  // initdb and start; throws when PostgreSQL cannot be had. Not `durable`
  // (the tests): fsync=off. `durable` (the benches): PostgreSQL's defaults.
  explicit Postgres(bool durable = false);
  ~Postgres();  // SIGKILL, and the directory removed
  Postgres(const Postgres&) = delete;
  Postgres& operator=(const Postgres&) = delete;

  // libpq's URL of database `name` (on the unix socket).
  std::string url(const std::string& name = "postgres") const;
  // Creates database `name` unless it exists.
  void create_database(const std::string& name);
  void drop_database(const std::string& name);
  // pg_ctl stop -m immediate: the server dies as in a crash (SIGQUIT).
  void stop_immediately();
  void start();
  uint16_t port() const { return port_; }

  // The server every test of this process shares, started on first use.
  static Postgres& shared();

 private:
  void sql(const std::string& statement);
  std::string dir_;
  uint16_t port_;
  bool durable_;
  std::unique_ptr<Child> server_;
};

// The database an HQ of `temp_dir` keeps on the shared server: one per
// directory, so that the instances of one test share it.
std::string postgres_url_for(const std::string& temp_dir);

// True when the tests run HQ on PostgreSQL (POSD_HQ_BACKEND=postgres).
bool hq_on_postgres();

// The HQ database a test in `temp_dir` uses: on the shared PostgreSQL server
// when hq_on_postgres(), else the SQLite file hq.db there.
std::string hq_database(const std::string& temp_dir);

}  // namespace posd::test
