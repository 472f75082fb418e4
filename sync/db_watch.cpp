#include "sync/db_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <filesystem>

#include <boost/asio/posix/stream_descriptor.hpp>

#include "base/log.h"

namespace posd::sync {

struct DbWatch::Impl : std::enable_shared_from_this<DbWatch::Impl> {
  Impl(boost::asio::io_context& io, std::function<void()> f) : fd(io), changed(std::move(f)) {}

  boost::asio::posix::stream_descriptor fd;
  std::function<void()> changed;
  std::string file, wal;
  std::array<char, 4096> buf{};  // holds whole events: inotify never splits one

  void read() {
    fd.async_read_some(boost::asio::buffer(buf), [weak = weak_from_this()](boost::system::error_code ec, size_t n) {
      auto self = weak.lock();
      if (!self || ec == boost::asio::error::operation_aborted) return;  // closed (destroyed)
      if (ec) {
        log::get("sync")->warn("stopped watching the database for other processes' writes ({}); they are noticed "
                               "within the sync's look", ec.message());
        return;
      }
      bool ours = false;
      for (size_t at = 0; at + sizeof(inotify_event) <= n;) {
        inotify_event e;
        std::memcpy(&e, self->buf.data() + at, sizeof e);
        if (e.mask & IN_Q_OVERFLOW) ours = true;  // events were lost: one of them may have been ours
        if (e.len > 0) {
          const std::string name(self->buf.data() + at + sizeof e, ::strnlen(self->buf.data() + at + sizeof e, e.len));
          if (name == self->file || name == self->wal) ours = true;
        }
        at += sizeof e + e.len;
      }
      if (ours) self->changed();
      self->read();
    });
  }
};

DbWatch::DbWatch(boost::asio::io_context& io, const std::string& db_path, std::function<void()> changed)
    : impl_(std::make_shared<Impl>(io, std::move(changed))) {
  const std::filesystem::path path(db_path);
  impl_->file = path.filename().string();
  impl_->wal = impl_->file + "-wal";
  const std::string dir = path.has_parent_path() ? path.parent_path().string() : std::string(".");
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0 || ::inotify_add_watch(fd, dir.c_str(), IN_CLOSE_WRITE) < 0) {
    log::get("sync")->warn("cannot watch {} for other processes' writes ({}); they are noticed within the sync's look",
                           dir, std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return;
  }
  impl_->fd.assign(fd);
  impl_->read();
}

DbWatch::~DbWatch() {
  boost::system::error_code ignored;
  impl_->fd.close(ignored);  // the read in flight ends with operation_aborted
}

}  // namespace posd::sync
