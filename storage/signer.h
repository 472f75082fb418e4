// Signs with the store key on a thread of its own (posd-sign), so that a
// write may go on while a signature it needs later is made: a sale's receipt
// code is signed while the sale's stock moves are written. sign() queues and
// returns at once; the future holds the 64-byte signature (or the exception
// signing threw). Thread-safe. The destructor signs what is queued, then joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "storage/store_key.h"

namespace posd {

class Signer {
 public:
  explicit Signer(StoreKey key);
  ~Signer();
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  std::future<std::string> sign(std::string message);

 private:
  void run();

  StoreKey key_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, std::promise<std::string>>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace posd
