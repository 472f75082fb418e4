#include "tests/support/postgres.h"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "tests/support/port.h"
#include "tests/support/temp_dir.h"

namespace posd::test {

namespace {

// Debian's server binaries: /usr/lib/postgresql/<major>/bin, the newest.
std::string server_bin(const std::string& name) {
  for (int major = 17; major >= 13; --major) {
    const std::string path = "/usr/lib/postgresql/" + std::to_string(major) + "/bin/" + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  throw std::runtime_error("PostgreSQL's server is not installed (scripts/install-deps installs postgresql)");
}

// `argv` as the postgres user, in `dir` (initdb wants a working directory it may read).
std::vector<std::string> as_postgres(const std::string& dir, std::vector<std::string> argv) {
  // --pdeathsig: the server dies with the test process, however that ends.
  std::vector<std::string> out{"setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--pdeathsig=KILL",
                               "env", "-C", dir};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace

Postgres::Postgres(bool durable) : port_(unused_port()), durable_(durable) {
  const passwd* pw = ::getpwnam("postgres");
  if (!pw) throw std::runtime_error("no postgres user (scripts/install-deps installs postgresql)");
  std::string templ = (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + std::string("/posd-pg-XXXXXX");
  if (!::mkdtemp(templ.data())) throw std::runtime_error("cannot make a directory for PostgreSQL");
  dir_ = templ;
  if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("cannot give " + dir_ + " to postgres");
  auto r = run(as_postgres(dir_, {server_bin("initdb"), "-D", dir_ + "/data", "-A", "trust", "-U", "postgres",
                                  "--no-sync", "-E", "UTF8", "--locale=C"}));
  if (r.exit_code != 0) throw std::runtime_error("initdb failed: " + r.err);
  // One role must give a password (kPasswordRole); everyone else is trusted.
  const std::string hba = dir_ + "/data/pg_hba.conf";
  write_text(hba, "local all " + std::string(kPasswordRole) + " scram-sha-256\n" + read_text(hba));
  start();
}

Postgres::~Postgres() {
  stop_immediately();  // SIGQUIT: the server ends its backends and frees its shared memory
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void Postgres::start() {
  server_ = std::make_unique<Child>(
      as_postgres(dir_, {server_bin("postgres"), "-D", dir_ + "/data", "-k", dir_, "-p", std::to_string(port_), "-c",
                         "listen_addresses=", "-c", "max_connections=200",
                         // The tests crash processes, never the machine: what is written
                         // to the OS at commit survives them, without fsync. (Not
                         // synchronous_commit=off: a crash then loses commits.)
                         "-c", durable_ ? "fsync=on" : "fsync=off"}),
      dir_);
  if (!server_->wait_for_err("ready to accept connections", 60)) {
    throw std::runtime_error("PostgreSQL did not start: " + server_->err());
  }
}

void Postgres::stop_immediately() {
  if (!server_) return;
  server_->signal(SIGQUIT);
  server_->wait();
  server_.reset();
}

std::string Postgres::url(const std::string& name) const {
  return "postgresql:///" + name + "?host=" + dir_ + "&port=" + std::to_string(port_) + "&user=postgres";
}

void Postgres::sql(const std::string& statement) {
  auto r = run({"psql", "-X", url(), "-v", "ON_ERROR_STOP=1", "-tAc", statement});
  if (r.exit_code != 0) throw std::runtime_error("psql: " + statement + ": " + r.err);
}

void Postgres::create_database(const std::string& name) {
  auto r = run({"psql", "-X", url(), "-tAc", "SELECT 1 FROM pg_database WHERE datname = '" + name + "'"});
  if (r.out.find('1') == std::string::npos) sql("CREATE DATABASE " + name);
}

void Postgres::drop_database(const std::string& name) { sql("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); }

Postgres& Postgres::shared() {
  static Postgres server;
  return server;
}

std::string postgres_url_for(const std::string& temp_dir) {
  std::string name = "hq_";
  for (char c : std::filesystem::path(temp_dir).filename().string()) {
    name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  }
  Postgres::shared().create_database(name);
  return Postgres::shared().url(name);
}

bool hq_on_postgres() {
  const char* backend = std::getenv("POSD_HQ_BACKEND");
  return backend && std::string(backend) == "postgres";
}

std::string hq_database(const std::string& temp_dir) {
  return hq_on_postgres() ? postgres_url_for(temp_dir) : temp_dir + "/hq.db";
}

}  // namespace posd::test
