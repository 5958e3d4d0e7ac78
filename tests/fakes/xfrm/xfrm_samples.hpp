#pragma once
// Valid xfrm parameters for tests: one tunnel between 192.0.2.1 (us) and 198.51.100.2
// (the edge) carrying 10.1.0.0/16 <-> 10.2.0.0/16, reqid inside the default owned range.

#include <cstdint>

#include "pqbranch/xfrm/ownership.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::test {

inline constexpr std::uint32_t kSampleReqid = 0x70710001;

core::IpAddress addr(const char* text);
core::IpPrefix prefix(const char* text);
// A 36-byte key whose bytes are seed, seed+1, ...
core::SecureBytes sample_key(std::uint8_t seed = 1);
// Outbound: us -> edge; inbound: edge -> us.
xfrm::Sa sample_sa(xfrm::SaDirection direction, std::uint32_t spi, std::uint8_t key_seed = 1);
xfrm::SpiRequest sample_spi_request(xfrm::SaDirection direction);
// The tunnel policy for one direction (fwd uses the inbound template).
xfrm::Policy sample_policy(xfrm::PolicyDirection direction);

}  // namespace pqbranch::test
