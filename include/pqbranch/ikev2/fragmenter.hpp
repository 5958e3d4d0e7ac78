#pragma once
// Splitting a protected message into RFC 7383 fragments (SKF messages, skf_payload.hpp) that
// each fit one IP packet of at most `max_datagram` bytes. Pure: bytes in, datagrams out; when
// to fragment (the peer sent FRAGMENTATION_SUPPORTED, the message does not fit) is the
// caller's decision.
//
// Sizes (RFC 7383 §2.5.1): the IP header (20 bytes IPv4, 40 IPv6), the UDP header (8) and, on
// port 4500, the 4-byte non-ESP marker (RFC 3948 §2.2) come off `max_datagram`; what remains
// holds the IKE header, the SKF header, IV, content, Pad Length and ICV. The default 1280
// bytes is strongSwan's `charon.fragment_size` (the whole IP packet) and IPv6's minimum MTU.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/config/ikev2_config.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/message.hpp"

namespace pqbranch::ikev2 {

struct FragmentPath {
  std::size_t max_datagram = config::kDefaultFragmentSize;  // the whole IP packet
  bool ipv6 = false;
  bool non_esp_marker = false;  // UDP port 4500 (NAT traversal)
};

// The largest IKE message (from the IKE header on) that fits `path`, 0 if none does.
[[nodiscard]] std::size_t max_ike_message_size(const FragmentPath& path) noexcept;

struct FragmentedMessage {
  std::vector<std::vector<std::uint8_t>> datagrams;  // fragment 1 first
  // The message's RFC 9242 IntAuth octets, as seal_message returns them: computed over the
  // message as if it had been sent unfragmented in one SK payload.
  std::vector<std::uint8_t> int_auth_octets;
  std::uint64_t next_iv = 0;  // first IV not used: one IV per fragment, from `first_iv` on
};

// Encodes the payloads of `m` into one inner payload chain, cuts it into as few pieces as fit
// `path` and seals each in its own SKF message under `sk_e` with IVs first_iv, first_iv + 1, ...
// errc::invalid_argument when `path` leaves no room for content; errors of encode_payload_chain
// and errc::too_large as seal_message.
core::Result<FragmentedMessage> fragment_message(const Message& m,
                                                 std::span<const std::uint8_t> sk_e,
                                                 std::uint64_t first_iv, const FragmentPath& path);

// A message already sealed in one SK payload (seal_message) as the datagrams to send: itself
// when it fits `path`, else its fragments. Those are cut from the message opened again with
// `sk_e` (the sender's own key) and sealed with IVs from `next_iv` on, which advances. The
// same datagrams go out again on retransmission (RFC 7383 §2.6): no IV is used twice.
core::Result<std::vector<std::vector<std::uint8_t>>> fit_to_path(std::vector<std::uint8_t> sealed,
                                                                 std::span<const std::uint8_t> sk_e,
                                                                 std::uint64_t& next_iv,
                                                                 const FragmentPath& path);

}  // namespace pqbranch::ikev2
