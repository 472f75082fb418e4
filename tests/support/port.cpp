#include "tests/support/port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <stdexcept>

namespace posd::test {

namespace {

// The first port the kernel hands out for outgoing connections.
int ephemeral_low() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 32768;
  range >> low;
  return low;
}

bool can_bind(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

uint16_t unused_port() {
  const int high = ephemeral_low() - 1;
  const int low = high > 12000 ? 10000 : 1024;
  static std::mt19937 pick{std::random_device{}()};
  std::uniform_int_distribution<int> in_range(low, high);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto port = static_cast<uint16_t>(in_range(pick));
    if (can_bind(port)) return port;
  }
  throw std::runtime_error("no unused loopback port below the ephemeral range");
}

}  // namespace posd::test
