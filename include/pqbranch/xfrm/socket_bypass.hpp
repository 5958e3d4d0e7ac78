#pragma once
// Keeping pqbranch's own traffic out of the tunnel it keys. A per-socket allow policy in
// both directions (IP_XFRM_POLICY / IPV6_XFRM_POLICY, as strongSwan does for IKE sockets)
// exempts one socket from every SPD policy, so the key-service TCP connection, NAT-T UDP
// 4500 and IKE UDP 500/4500 never travel inside a tunnel, even one covering 0.0.0.0/0.
// Needs CAP_NET_ADMIN.

#include <cstdint>
#include <functional>
#include <utility>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/core/unique_fd.hpp"

namespace pqbranch::xfrm {

// An owned file descriptor (core::UniqueFd).
using UniqueFd = core::UniqueFd;

// Installs allow policies for both directions on `fd`, a socket of `family`.
core::Result<void> bypass_policies(int fd, core::Family family);
// setsockopt(SOL_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP): the kernel decapsulates ESP-in-UDP
// (RFC 3948) arriving on this UDP socket.
core::Result<void> enable_esp_in_udp(int fd);
// A UDP socket bound to local:port, with policy bypass and ESP-in-UDP enabled: the
// NAT-T socket. Port 0 lets the kernel choose (tests). The port is ours alone: no
// SO_REUSEADDR or SO_REUSEPORT, so a second bind to it by anyone fails.
core::Result<UniqueFd> open_natt_socket(const core::IpAddress& local, std::uint16_t port = 4500);
// Opens a NAT-T socket like open_natt_socket: the agent's and the edge's options take one
// so tests can substitute a plain UDP socket.
using NatSocketFactory =
    std::function<core::Result<UniqueFd>(const core::IpAddress& local, std::uint16_t port)>;
// The port a bound socket listens on (for port 0).
core::Result<std::uint16_t> local_port(int fd);

}  // namespace pqbranch::xfrm
