#pragma once
// Errors of the health module: why the prober could not start or a reply was not ours.

#include "pqbranch/core/error.hpp"

namespace pqbranch::health {

enum class errc {
  socket_unavailable = 1,  // no ICMP datagram socket (net.ipv4.ping_group_range excludes us)
  bind_failed,             // the source address is not on this host
  no_source_address,       // no local address inside the branch's prefixes
  not_an_echo_reply,       // a datagram that is not an echo reply of ours
};

const char* describe(errc e) noexcept;
PQB_ERROR_ENUM(errc, "pqbranch.health")

}  // namespace pqbranch::health

PQB_ERROR_ENUM_TRAIT(pqbranch::health::errc);
