// Tells when another process has finished writing to the store's database:
// inotify on its directory for a file of the database (the file, its -wal)
// closed after writing, which is what posctl does once its transactions have
// committed. posd's own writer keeps its files open, so its commits do not
// wake this (the journal tells of those: Journal::watch). Runs on the
// io_context; where inotify is not to be had it says so once and does
// nothing, and the caller's periodic look still finds the change.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

namespace posd::sync {

class DbWatch {
 public:
  DbWatch(boost::asio::io_context& io, const std::string& db_path, std::function<void()> changed);
  ~DbWatch();
  DbWatch(const DbWatch&) = delete;
  DbWatch& operator=(const DbWatch&) = delete;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with the read in flight
};

}  // namespace posd::sync
