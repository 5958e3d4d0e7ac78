#pragma once
// A plain UDP socket on 127.0.0.1 stands in for the NAT-T socket in component tests (no
// ESP-in-UDP, no bypass: they need no kernel IPsec support). Shaped as an
// xfrm::NatSocketFactory, so the agent's and the edge's options take it as it is; `local`
// is ignored (always loopback). Port 0: a free port (xfrm::local_port tells which).

#include <cstdint>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/xfrm/socket_bypass.hpp"

namespace pqbranch::test {

core::Result<xfrm::UniqueFd> loopback_udp_socket(const core::IpAddress& local, std::uint16_t port);

}  // namespace pqbranch::test
