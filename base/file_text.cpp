#include "base/file_text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace posd {

Result<std::string> read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Status::invalid_argument(path + " is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found("cannot read " + path);
  std::string text;
  if (std::filesystem::is_regular_file(path, ec)) {
    if (const auto size = std::filesystem::file_size(path, ec); !ec) text.reserve(size);
  }
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) text.append(chunk, static_cast<size_t>(in.gcount()));
  if (in.bad()) return Status::io_error("cannot read " + path);
  return text;
}

std::optional<FileOwner> owner_of(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileOwner{st.st_mode & 07777, st.st_uid, st.st_gid};
}

namespace {

Status write_file_as(const std::string& path, std::string_view text, mode_t mode, uid_t uid, gid_t gid) {
  const std::string tmp = path + ".tmp";
  auto failed = [&](const std::string& what, int fd) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return Status::io_error("cannot write " + path + ": " + what + ": " + why);
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::io_error("cannot write " + path + ": cannot create " + tmp + ": " + std::strerror(errno));
  // The mode asked for, not what the umask leaves of it; the owner before
  // any byte is written, so the text is never readable by another.
  if (::fchmod(fd, mode) != 0) return failed("fchmod", fd);
  if ((uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1)) && ::fchown(fd, uid, gid) != 0) {
    return failed("fchown", fd);
  }
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return failed("write", fd);
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return failed("fsync", fd);
  if (::close(fd) != 0) return failed("close", -1);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return failed("rename", -1);
  // The rename itself lasts only once the directory is synced.
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  if (const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    const int synced = ::fsync(d);
    ::close(d);
    if (synced != 0) return Status::io_error("cannot write " + path + ": fsync of " + dir + ": " + std::strerror(errno));
  }
  return Status::ok();
}

}  // namespace

Status write_file(const std::string& path, std::string_view text, mode_t mode) {
  return write_file_as(path, text, mode, static_cast<uid_t>(-1), static_cast<gid_t>(-1));
}

Status write_file(const std::string& path, std::string_view text, const FileOwner& owner) {
  return write_file_as(path, text, owner.mode, owner.uid, owner.gid);
}

}  // namespace posd
