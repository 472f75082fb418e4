// A loopback TCP port for a server a test will stop and start again.
#pragma once

#include <cstdint>

namespace posd::test {

// A port on 127.0.0.1 that nothing listens on, chosen below the kernel's
// ephemeral range (net.ipv4.ip_local_port_range). A port from that range
// (bind to port 0) can be taken while the server is down: by another
// process's outgoing connection, or by a client reconnecting to it, which the
// kernel may connect to itself. Then the server cannot bind it again.
uint16_t unused_port();

}  // namespace posd::test
