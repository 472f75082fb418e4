#include "sync/no_delay.h"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>

namespace posd::sync {

uint16_t broker_port(const std::string& url) {
  const auto scheme_end = url.find("://");
  const std::string rest = scheme_end == std::string::npos ? url : url.substr(scheme_end + 3);
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || rest.find(']', colon) != std::string::npos) {
    return url.rfind("ssl://", 0) == 0 ? 8883 : 1883;
  }
  char* end = nullptr;
  const long port = std::strtol(rest.c_str() + colon + 1, &end, 10);
  if (end == rest.c_str() + colon + 1 || port <= 0 || port > 65535) return 0;
  return static_cast<uint16_t>(port);
}

bool has_no_delay(int fd) {
  int on = 0;
  socklen_t len = sizeof on;
  return ::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) == 0 && on != 0;
}

int no_delay_towards(uint16_t port) {
  if (port == 0) return 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return 0;
  int set = 0;
  while (const dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == ::dirfd(dir)) continue;
    struct stat st {};
    if (::fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    if (::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    uint16_t peer_port = 0;
    if (peer.ss_family == AF_INET) {
      peer_port = ntohs(reinterpret_cast<const sockaddr_in*>(&peer)->sin_port);
    } else if (peer.ss_family == AF_INET6) {
      peer_port = ntohs(reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_port);
    } else {
      continue;
    }
    int type = 0;
    socklen_t type_len = sizeof type;
    if (peer_port != port || ::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 ||
        type != SOCK_STREAM || has_no_delay(static_cast<int>(fd))) {
      continue;
    }
    const int on = 1;
    if (::setsockopt(static_cast<int>(fd), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0) ++set;
  }
  ::closedir(dir);
  return set;
}

}  // namespace posd::sync
