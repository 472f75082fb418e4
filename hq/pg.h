// One PostgreSQL connection through libpq: statements with text parameters,
// rows read as text, and the connection remade after a loss, with backoff
// (100 ms doubling to 5 s) so that a database being restarted is not hammered.
// Each session waits at most 10 s for a lock and is closed by the server
// after 60 s idle inside a transaction (an instance cut off mid-batch).
// A statement on a lost connection answers Status::unavailable; the caller's
// transaction is gone with it and nothing it wrote is committed.
// Not thread-safe: one thread uses a connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace posd::pg {

class Rows {
 public:
  explicit Rows(PGresult* res);
  int size() const;
  bool null(int row, int col) const;
  std::string text(int row, int col) const;
  int64_t int64(int row, int col) const;  // 0 for NULL
  std::string command() const;            // the command tag: "COMMIT", "INSERT 0 1"

 private:
  std::shared_ptr<PGresult> res_;
};

using Param = std::optional<std::string>;  // nullopt: NULL

class Conn {
 public:
  // Connects to `url` (postgresql://…, every libpq parameter allowed).
  static Result<Conn> connect(const std::string& url);

  // Runs one statement. Errors: unavailable (connection lost; it is remade
  // on a later call), conflict (a unique key already held), io_error (any
  // other refusal, with the server's message).
  Result<Rows> exec(const std::string& sql, const std::vector<Param>& params = {});
  // Runs statements without parameters (a schema), in one round trip.
  Status script(const std::string& sql);
  // Where the connection goes, for messages: "host:port/dbname", no secret.
  const std::string& where() const { return where_; }
  // The connection dropped and is not remade yet.
  bool lost() const;

 private:
  struct Handle;
  explicit Conn(std::shared_ptr<Handle> h, std::string where) : h_(std::move(h)), where_(std::move(where)) {}
  Status usable();
  Status failure(PGresult* res, const std::string& sql);
  std::shared_ptr<Handle> h_;
  std::string where_;
};

// BEGIN … COMMIT on `conn`; ROLLBACK when destroyed uncommitted. With a
// savepoint name, a part of the transaction already open: SAVEPOINT, RELEASE
// at commit(), ROLLBACK TO (then RELEASE) when destroyed before.
class Txn {
 public:
  explicit Txn(Conn& conn, std::string savepoint = {});
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn();
  const Status& status() const { return status_; }
  Status commit();

 private:
  Conn& conn_;
  std::string savepoint_;
  Status status_;
  bool open_ = false;
};

// Array literals for a parameter ($1::text[], $2::bigint[]): each text
// quoted with its quotes and backslashes escaped.
std::string text_array(const std::vector<std::string>& values);
std::string int_array(const std::vector<int64_t>& values);
std::string bool_array(const std::vector<bool>& values);

}  // namespace posd::pg
