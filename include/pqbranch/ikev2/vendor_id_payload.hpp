#pragma once
// Vendor ID payload (RFC 7296 §3.12). We never send one; a received one is kept as opaque
// bytes and otherwise ignored ("MUST NOT" change behaviour without understanding it).
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                        Vendor ID (VID)                        ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"

namespace pqbranch::ikev2 {

struct VendorIdPayload {
  std::vector<std::uint8_t> data;

  friend bool operator==(const VendorIdPayload&, const VendorIdPayload&) = default;
};

// Non-empty (an empty VID identifies nothing).
core::Result<void> verify(const VendorIdPayload& v);
void append_body(const VendorIdPayload& v, std::vector<std::uint8_t>& out);
core::Result<VendorIdPayload> parse_vendor_id_payload(std::span<const std::uint8_t> body);

}  // namespace pqbranch::ikev2
