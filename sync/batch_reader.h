// The journal's next batch for HQ, read, checked and encoded on a thread of
// its own ("posd-outbox"), not on the event loop that answers the lanes: a
// batch is up to 256 KB of rows, each hash computed again over the stored
// bytes before they are spliced into the message (Outbox::read_stored,
// encode_journal), milliseconds a lane's scan used to wait behind while a
// backlog drained or a catalog's records went back to HQ. One batch at a
// time; its answer is posted to the io_context. Its own read connection.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "storage/sqlite.h"

namespace posd::sync {

class BatchReader {
 public:
  struct Batch {
    uint64_t first = 0;   // the seq it was asked to start at
    uint64_t last = 0;    // its last event's seq (0: no events)
    size_t events = 0;
    std::string payload;  // the journal message (encode_journal), for up/journal
  };
  using Done = std::function<void(Result<Batch>)>;

  // Opens a read-only connection to the journal at `db_path`.
  static Result<std::unique_ptr<BatchReader>> open(boost::asio::io_context& io, const std::string& db_path,
                                                   std::string store_id);
  ~BatchReader();  // a read in flight finishes; its answer is still posted
  BatchReader(const BatchReader&) = delete;
  BatchReader& operator=(const BatchReader&) = delete;

  // Reads from seq `first` at most `limit` events and `max_bytes` of
  // payloads (one event at least); `done` runs on the io_context's thread.
  // False, and nothing queued, while a read is in flight.
  bool read(uint64_t first, size_t limit, size_t max_bytes, Done done);

 private:
  struct Job {
    uint64_t first;
    size_t limit;
    size_t max_bytes;
    Done done;
  };
  BatchReader(boost::asio::io_context& io, sql::Db db, std::string store_id);
  void run();

  boost::asio::io_context& io_;
  sql::Db db_;  // the reader thread's alone
  std::string store_id_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Job> job_;
  bool busy_ = false;  // from read() until its answer is posted
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace posd::sync
