#pragma once
// Builds the xfrm parameters of one generation's SAs from a side's tunnel config, the same
// way on both sides (internal to keysvc).

#include <cstdint>
#include <optional>

#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/rotation/rotation_config.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::rotation::detail {

struct SaSpec {
  xfrm::SaDirection direction = xfrm::SaDirection::in;
  core::IpAddress src;
  core::IpAddress dst;
  std::uint32_t spi = 0;
  xfrm::Lifetime lifetime;
  std::optional<xfrm::Encap> encap;
};

// Tunnel mode, ESP, AEAD key, ESN, the tunnel's reqid / if_id / mark / replay window.
xfrm::Sa make_sa(const TunnelConfig& tunnel, const SaSpec& spec, core::SecureBytes key);

// ALLOCSPI for exactly `spi` (chosen at random, spi_choice.hpp), inbound from `src` to `dst`.
xfrm::SpiRequest make_spi_request(const TunnelConfig& tunnel, const core::IpAddress& src,
                                  const core::IpAddress& dst, std::uint32_t spi);

// The receiver's SA outlives the sender's by `margin` (its add-time hard limit only), so a
// hard expiry never leaves an outbound SA whose peer already dropped the inbound one.
xfrm::Lifetime inbound_lifetime(xfrm::Lifetime lifetime, Duration margin);

// The encapsulation of the reverse direction (inbound SA): ports swapped, because an
// inbound SA's template names the ports of arriving packets (peer's port -> ours).
std::optional<xfrm::Encap> reversed(std::optional<xfrm::Encap> encap);

}  // namespace pqbranch::rotation::detail
