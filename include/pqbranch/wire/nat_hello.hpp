#pragma once
// The NAT hello: one UDP datagram the agent sends from its ESP-in-UDP socket (port 4500) to
// the edge's, so the edge learns the agent's public address and port, which the TLS
// connection cannot tell it. Fixed size, strict layout (all fields big-endian):
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                 Non-ESP marker (0x00000000)                   |  RFC 3948 §2.2
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                   Magic "PQBH" (0x50514248)                   |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Version = 1  |   Type = 1    |         Reserved = 0          |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                     Token (16 octets)                         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |              HMAC-SHA256 over octets 0..27 (32 octets)        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The marker makes the kernel's UDP_ENCAP_ESPINUDP socket hand the datagram to user space
// instead of treating it as ESP. The token comes from GET /v1/nat-token on the TLS
// connection; the HMAC key is that connection's exporter output for kNatExporterLabel with
// nat_exporter_context(token), so only the holder of the connection can make a valid hello.
// NAT keepalives (RFC 3948 §2.3) are the single byte 0xFF and never reach user space.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/wire/errc.hpp"
#include "pqbranch/wire/nat_token.hpp"

namespace pqbranch::wire {

inline constexpr std::size_t kNatKeyBytes = 32;  // HMAC-SHA256 key of the NAT hello
inline constexpr std::size_t kNatHelloSize = 60;
inline constexpr std::size_t kNatHelloMacOffset = 28;
inline constexpr std::uint8_t kNatHelloVersion = 1;
inline constexpr std::uint8_t kNatHelloType = 1;
inline constexpr std::uint8_t kNatKeepalive = 0xFF;  // RFC 3948 §2.3, sent by the kernel

using NatHelloDatagram = std::array<std::uint8_t, kNatHelloSize>;
using NatHelloMac = std::array<std::uint8_t, 32>;

struct NatHello {
  NatToken token{};
  NatHelloMac mac{};
  friend bool operator==(const NatHello&, const NatHello&) = default;
};

// Builds the datagram for `token`, authenticated with `key` (kNatKeyBytes, else bad_key).
[[nodiscard]] core::Result<NatHelloDatagram> encode_nat_hello(const NatToken& token,
                                                              const core::SecureBytes& key);

// Parses a received datagram: exactly kNatHelloSize bytes (bad_length), the marker
// (bad_marker), the magic (bad_magic), version (unsupported_version), type and reserved
// (bad_value). Does not check the HMAC: the edge first needs the token to find the key.
[[nodiscard]] core::Result<NatHello> decode_nat_hello(std::span<const std::uint8_t> datagram);

// Checks the hello's HMAC with `key` in constant time (bad_mac, bad_key).
[[nodiscard]] core::Result<void> verify_nat_hello(const NatHello& hello,
                                                  const core::SecureBytes& key);

}  // namespace pqbranch::wire
