#include "storage/backup.h"

#include <sqlite3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace posd {

namespace {
constexpr int kBusyLimitMs = 30000;  // a source locked this long is not a live posd
}  // namespace

Status backup_database(const std::string& from, const std::string& to) {
  struct stat st;
  if (::stat(to.c_str(), &st) == 0) return Status::conflict(to + " exists already; choose a new file");
  if (::stat(from.c_str(), &st) != 0) return Status::not_found("no database at " + from);
  auto src = sql::Db::open(from, sql::Db::Mode::read_write);
  if (!src) return src.status();
  // The copy holds the store's sales: readable by its owner only, from the
  // first byte (SQLite's own files beside it take the same mode).
  const int fd = ::open(to.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return Status::io_error("cannot create " + to + ": " + std::strerror(errno));
  ::close(fd);
  auto dst = sql::Db::open(to, sql::Db::Mode::read_write_create);
  if (!dst) return dst.status();
  sqlite3_backup* b = sqlite3_backup_init(dst->handle(), "main", src->handle(), "main");
  if (!b) return dst->error(sqlite3_errcode(dst->handle()), "backup");
  // One step reads one snapshot of the source. In WAL mode that holds up no
  // writer; a copy taken in small steps would start again each time posd wrote
  // in between, and under a steady stream of sales never finish.
  int rc;
  int busy_ms = 0;
  while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    if (rc != SQLITE_OK && (busy_ms += 10) > kBusyLimitMs) break;
    sqlite3_sleep(10);
  }
  sqlite3_backup_finish(b);
  // A copy that failed is removed: it must not pass for a backup.
  auto failed = [&](Status s) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((to + suffix).c_str());
    return s;
  };
  if (rc != SQLITE_DONE) return failed(dst->error(rc, "backup"));
  auto check = dst->prepare("PRAGMA integrity_check");
  if (!check) return failed(check.status());
  auto row = check->step();
  if (!row) return failed(row.status());
  if (!*row || check->text(0) != "ok") {
    const std::string why = check->text(0);
    return failed(Status::corruption("the copy fails integrity_check: " + why));
  }
  return Status::ok();
}

}  // namespace posd
