#include "storage/signer.h"

#include "base/thread_name.h"

namespace posd {

Signer::Signer(StoreKey key) : key_(std::move(key)), thread_([this] { run(); }) {}

Signer::~Signer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

std::future<std::string> Signer::sign(std::string message) {
  std::promise<std::string> promise;
  auto future = promise.get_future();
  {
    std::lock_guard lock(mu_);
    queue_.emplace_back(std::move(message), std::move(promise));
  }
  cv_.notify_one();
  return future;
}

void Signer::run() {
  name_this_thread("posd-sign");
  for (;;) {
    std::pair<std::string, std::promise<std::string>> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing is left
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    // Nothing from a signature may end the process: a failure (out of
    // memory) reaches the one who asked, as it would have on its own thread.
    try {
      job.second.set_value(key_.sign(job.first));
    } catch (...) {
      job.second.set_exception(std::current_exception());
    }
  }
}

}  // namespace posd
