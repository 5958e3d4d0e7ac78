#pragma once
// ICMP and ICMPv6 echo messages as the kernel's ICMP datagram sockets carry them: the ICMP
// header and payload, no IP header (RFC 792; RFC 4443 §4.1-4.2). The kernel sets the
// identifier (the socket's) and the checksum, and delivers to a socket only the replies with
// its identifier; our payload carries a per-prober token so a reply to another prober that
// happens to reuse an identifier is not counted.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Type      |     Code      |          Checksum             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           Identifier          |        Sequence Number        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                      Token (8 bytes, ours)                    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"

namespace pqbranch::health {

inline constexpr std::size_t kEchoHeaderSize = 8;
inline constexpr std::size_t kEchoMessageSize = kEchoHeaderSize + 8;

struct EchoReply {
  std::uint16_t sequence = 0;
  std::uint64_t token = 0;
};

// An echo request (type 8, or 128 for IPv6); identifier and checksum left 0 for the kernel.
std::array<std::uint8_t, kEchoMessageSize> encode_echo_request(core::Family family,
                                                               std::uint16_t sequence,
                                                               std::uint64_t token);
// errc::not_an_echo_reply for anything but an echo reply (type 0, or 129) of at least
// kEchoMessageSize bytes.
core::Result<EchoReply> parse_echo_reply(core::Family family, std::span<const std::uint8_t> bytes);

}  // namespace pqbranch::health
