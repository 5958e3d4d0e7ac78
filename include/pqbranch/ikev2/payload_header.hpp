#pragma once
// The generic payload header (RFC 7296 §3.2) that starts every payload, and the walk over a
// payload chain with strict bounds.
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/constants.hpp"

namespace pqbranch::ikev2 {

inline constexpr std::size_t kGenericHeaderSize = 4;

struct GenericHeader {
  PayloadType next_payload = PayloadType::none;
  bool critical = false;
  std::uint16_t length = 0;  // including these 4 bytes
};

// One payload of a chain: its type (from the previous header), its critical bit and body.
struct RawPayload {
  PayloadType type = PayloadType::none;
  bool critical = false;
  std::span<const std::uint8_t> body;
  std::size_t offset = 0;  // of its generic header within the walked bytes
};

// Parses a generic header at the start of `bytes`: truncated below 4 bytes, bad_length for a
// Payload Length below 4 or beyond `bytes`. The RESERVED bits are ignored on receipt
// (RFC 7296 §3.2).
core::Result<GenericHeader> parse_generic_header(std::span<const std::uint8_t> bytes);

// Appends a generic header (critical bit clear: every payload type we send is known to all
// IKEv2 implementations, RFC 7296 §2.5).
void append_generic_header(PayloadType next, std::size_t length, std::vector<std::uint8_t>& out);

// Walks the chain that starts with `first` over all of `bytes`. Stops after an SK or SKF
// payload (its body reaches the end of the message) or at Next Payload 0, which must end
// exactly at the end of `bytes`. bad_length when the chain over- or under-runs; errc::too_large
// over kMaxPayloads.
inline constexpr std::size_t kMaxPayloads = 64;
core::Result<std::vector<RawPayload>> walk_payloads(PayloadType first,
                                                    std::span<const std::uint8_t> bytes);

}  // namespace pqbranch::ikev2
