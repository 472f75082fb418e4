#include "sync/batch_reader.h"


#include "base/loop_post.h"
#include "base/thread_name.h"
#include "sync/outbox.h"
#include "sync/protocol.h"

namespace posd::sync {

Result<std::unique_ptr<BatchReader>> BatchReader::open(boost::asio::io_context& io, const std::string& db_path,
                                                       std::string store_id) {
  auto db = sql::Db::open(db_path, sql::Db::Mode::read_only);
  if (!db) return db.status();
  // Each row is read once, in order: a drain through SQLite's default 2 MB
  // page cache would keep 2 MB of rows no one reads again (goal: RSS).
  if (Status s = db->exec("PRAGMA cache_size=-512"); !s) return s;
  return std::unique_ptr<BatchReader>(new BatchReader(io, std::move(*db), std::move(store_id)));
}

BatchReader::BatchReader(boost::asio::io_context& io, sql::Db db, std::string store_id)
    : io_(io), db_(std::move(db)), store_id_(std::move(store_id)) {
  thread_ = std::thread([this] { run(); });
}

BatchReader::~BatchReader() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

bool BatchReader::read(uint64_t first, size_t limit, size_t max_bytes, Done done) {
  {
    std::lock_guard lock(mu_);
    if (busy_ || stop_) return false;
    busy_ = true;
    job_ = Job{first, limit, max_bytes, std::move(done)};
  }
  cv_.notify_one();
  return true;
}

void BatchReader::run() {
  name_this_thread("posd-outbox");
  Outbox outbox(db_);
  for (;;) {
    Job job{};
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || job_; });
      if (!job_) return;  // stopping, nothing asked
      job = std::move(*job_);
      job_.reset();
    }
    Result<Batch> out = Status::unavailable("not read");
    try {
      auto events = outbox.read_stored(job.first, job.limit, job.max_bytes);
      if (!events) {
        out = events.status();
      } else {
        Batch b;
        b.first = job.first;
        b.events = events->size();
        if (!events->empty()) {
          b.last = events->back().seq;
          b.payload = encode_journal(store_id_, *events);
        }
        out = std::move(b);
      }
    } catch (const std::exception& ex) {  // nothing read here may end the process
      out = Status::io_error(std::string("reading the journal to send: ") + ex.what());
    }
    {
      std::lock_guard lock(mu_);
      busy_ = false;
    }
    loop_post(io_, [done = std::move(job.done), out = std::move(out)]() mutable { done(std::move(out)); });
  }
}

}  // namespace posd::sync
