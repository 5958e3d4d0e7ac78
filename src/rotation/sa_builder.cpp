#include "sa_builder.hpp"

#include <chrono>
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
                                  const core::IpAddress& dst, std::uint32_t spi) {
  xfrm::SpiRequest r;
  r.src = src;
  r.dst = dst;
  r.reqid = tunnel.reqid;
  r.mode = xfrm::Mode::tunnel;
  r.direction = xfrm::SaDirection::in;
  r.if_id = tunnel.if_id;
  r.mark = tunnel.mark;
  r.min_spi = spi;
  r.max_spi = spi;
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

}  // namespace pqbranch::rotation::detail
