#pragma once
// NAT detection (RFC 7296 §2.23): NAT_DETECTION_SOURCE_IP / _DESTINATION_IP carry
// SHA-1(SPIi | SPIr | IP address | port). In an IKE_SA_INIT request SPIr is zero.
// SHA-1 is what the RFC fixes; it serves as a checksum here, not as a security function.

#include <array>
#include <cstdint>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/ikev2/header.hpp"
#include "pqbranch/ikev2/notify_payload.hpp"

namespace pqbranch::ikev2 {

using NatHash = std::array<std::uint8_t, 20>;

core::Result<NatHash> nat_detection_hash(const Spi& spi_i, const Spi& spi_r,
                                         const core::IpAddress& address, std::uint16_t port);

// The notification for one side: source = our address and port, destination = the peer's.
core::Result<NotifyPayload> make_nat_detection(NotifyType type, const Spi& spi_i, const Spi& spi_r,
                                               const core::IpAddress& address, std::uint16_t port);

// Whether a received NAT_DETECTION_* notification matches `address`/`port` (false means a
// NAT rewrote it). errc::bad_length for data that is not 20 bytes.
core::Result<bool> nat_detection_matches(const NotifyPayload& n, const Spi& spi_i, const Spi& spi_r,
                                         const core::IpAddress& address, std::uint16_t port);

}  // namespace pqbranch::ikev2
