#pragma once
// Nonce payload (RFC 7296 §3.9): 16 to 256 octets, at least half the PRF's key size (§2.10).
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                            Nonce Data                         ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"

namespace pqbranch::ikev2 {

inline constexpr std::size_t kMinNonceSize = 16;
inline constexpr std::size_t kMaxNonceSize = 256;
// Ours in every exchange: at least half the key size of every PRF we offer (§2.10).
inline constexpr std::size_t kNonceSize = 32;

struct NoncePayload {
  std::vector<std::uint8_t> data;

  friend bool operator==(const NoncePayload&, const NoncePayload&) = default;
};

// 16..256 bytes (bad_length otherwise).
core::Result<void> verify(const NoncePayload& n);
void append_body(const NoncePayload& n, std::vector<std::uint8_t>& out);
core::Result<NoncePayload> parse_nonce_payload(std::span<const std::uint8_t> body);

// A fresh random nonce of `size` bytes (16..256) from the CSPRNG.
core::Result<NoncePayload> make_nonce(std::size_t size = kNonceSize);

}  // namespace pqbranch::ikev2
