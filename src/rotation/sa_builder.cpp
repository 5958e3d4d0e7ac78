#include "sa_builder.hpp"

#include <chrono>
#include <limits>
#include <utility>

namespace pqbranch::rotation::detail {

xfrm::Sa make_sa(const TunnelConfig& tunnel, const SaSpec& spec, core::SecureBytes key) {
  xfrm::Sa sa;
  sa.src = spec.src;
  sa.dst = spec.dst;
  sa.spi = spec.spi;
  sa.reqid = tunnel.reqid;
  sa.mode = xfrm::Mode::tunnel;
  sa.direction = spec.direction;
  sa.aead_key = std::move(key);
  sa.lifetime = spec.lifetime;
  sa.esn = true;
  sa.replay_window = tunnel.replay_window;
  sa.encap = spec.encap;
  sa.if_id = tunnel.if_id;
  sa.mark = tunnel.mark;
  return sa;
}

xfrm::SpiRequest make_spi_request(const TunnelConfig& tunnel, const core::IpAddress& src,
                                  const core::IpAddress& dst, std::uint32_t high_water) {
  constexpr std::uint32_t kTop = std::numeric_limits<std::uint32_t>::max();
  const std::uint32_t window = tunnel.spi_window == 0 ? 1 : tunnel.spi_window;
  std::uint32_t min = high_water < xfrm::kMinSpi ? xfrm::kMinSpi : high_water + 1;
  if (high_water == kTop || kTop - min < window - 1) min = xfrm::kMinSpi;  // wrap around
  xfrm::SpiRequest r;
  r.src = src;
  r.dst = dst;
  r.reqid = tunnel.reqid;
  r.mode = xfrm::Mode::tunnel;
  r.direction = xfrm::SaDirection::in;
  r.if_id = tunnel.if_id;
  r.mark = tunnel.mark;
  r.min_spi = min;
  r.max_spi = min + (window - 1);
  return r;
}

xfrm::Lifetime inbound_lifetime(xfrm::Lifetime lifetime, Duration margin) {
  if (lifetime.hard_add.count() != 0) {
    lifetime.hard_add += std::chrono::ceil<std::chrono::seconds>(margin);
  }
  return lifetime;
}

std::optional<xfrm::Encap> reversed(std::optional<xfrm::Encap> encap) {
  if (encap) std::swap(encap->src_port, encap->dst_port);
  return encap;
}

std::uint32_t next_high_water(std::uint32_t high_water, std::uint32_t spi, std::uint32_t window) {
  // A lower SPI means the window wrapped around (make_spi_request); otherwise only grow.
  if (spi > high_water || high_water - spi > window) return spi;
  return high_water;
}

}  // namespace pqbranch::rotation::detail
