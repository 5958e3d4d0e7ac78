#pragma once
// Delete payload (RFC 7296 §3.11): the IKE SA itself (protocol 1, no SPIs) or CHILD SAs by
// their inbound ESP/AH SPIs (4 bytes each).
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Protocol ID   |   SPI Size    |          Num of SPIs          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~               Security Parameter Index(es) (SPI)              ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/constants.hpp"

namespace pqbranch::ikev2 {

inline constexpr std::size_t kMaxDeleteSpis = 256;

struct DeletePayload {
  ProtocolId protocol = ProtocolId::ike;
  std::vector<std::uint32_t> spis;  // ESP/AH SPIs in host order; empty for IKE

  friend bool operator==(const DeletePayload&, const DeletePayload&) = default;
};

// IKE: SPI size 0 and no SPIs; ESP/AH: SPI size 4, 1..kMaxDeleteSpis SPIs. The parser
// checks Num of SPIs against the bytes (bad_count).
core::Result<void> verify(const DeletePayload& d);
void append_body(const DeletePayload& d, std::vector<std::uint8_t>& out);
core::Result<DeletePayload> parse_delete_payload(std::span<const std::uint8_t> body);

}  // namespace pqbranch::ikev2
