#include "storage/wal_checkpoint.h"

#include <sqlite3.h>

#include "base/log.h"
#include "base/thread_name.h"

namespace posd {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::start(sql::Db& writer, int pages, std::function<void()> before) {
  auto own = sql::Db::open(writer.path(), sql::Db::Mode::read_write);
  if (!own) return own.status();
  std::unique_ptr<WalCheckpointer> c(new WalCheckpointer(writer, std::move(*own), pages, std::move(before)));
  // Replaces the hook sqlite3_wal_autocheckpoint set: the writer's commits
  // no longer checkpoint.
  sqlite3_wal_hook(writer.handle(), &WalCheckpointer::committed, c.get());
  c->thread_ = std::thread([p = c.get()] { p->run(); });
  return c;
}

WalCheckpointer::WalCheckpointer(sql::Db& writer, sql::Db own, int pages, std::function<void()> before)
    : writer_(writer), own_(std::move(own)), pages_(pages), before_(std::move(before)) {}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_autocheckpoint(writer_.handle(), pages_);  // SQLite's own again, for the writer's last commits
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

// After each of the writer's commits, its write lock released: only a flag.
int WalCheckpointer::committed(void* self, sqlite3*, const char*, int frames) {
  auto* c = static_cast<WalCheckpointer*>(self);
  if (frames >= c->pages_) {
    {
      std::lock_guard lock(c->mu_);
      c->wanted_ = true;
    }
    c->cv_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::run() {
  name_this_thread("posd-wal");
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || wanted_; });
      if (stop_) return;
      wanted_ = false;
    }
    if (before_) before_();
    int frames = 0, copied = 0;
    // PASSIVE copies what no reader still needs and waits for no one; the
    // writer's next transaction after a whole copy starts the WAL over.
    const int rc = sqlite3_wal_checkpoint_v2(own_.handle(), "main", SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      log::get("journal")->warn("WAL checkpoint: {}", own_.error(rc, "checkpoint").message());
    }
    done_.fetch_add(1, std::memory_order_release);
  }
}

}  // namespace posd
