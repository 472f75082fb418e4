// Turns Nagle's algorithm off on this process's TCP connections to a port.
// Paho C 1.3.11 (Debian 12) leaves it on and offers no way to set a socket
// option, so an MQTT client's small writes (a PUBACK, then the next
// PUBLISH) wait for the broker's delayed ACK: about 40 ms on every
// exchange (Paho issue 530). sync::Link calls this once connected. Setting
// TCP_NODELAY on another connection to that port does no harm.
#pragma once

#include <cstdint>
#include <string>

namespace posd::sync {

// The port of a tcp:// or ssl:// URL (1883 and 8883 when none is given); 0 when none can be read.
uint16_t broker_port(const std::string& url);

// Sets TCP_NODELAY on every TCP socket of this process whose peer is at
// `port`; returns how many it had to set.
int no_delay_towards(uint16_t port);

// Whether the TCP socket `fd` has TCP_NODELAY set (for the tests).
bool has_no_delay(int fd);

}  // namespace posd::sync
