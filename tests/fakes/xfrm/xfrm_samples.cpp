#include "fakes/xfrm/xfrm_samples.hpp"

#include <array>

namespace pqbranch::test {

core::IpAddress addr(const char* text) {
  return core::IpAddress::parse(text).value();
}

core::IpPrefix prefix(const char* text) {
  return core::IpPrefix::parse(text).value();
}

core::SecureBytes sample_key(std::uint8_t seed) {
  std::array<std::uint8_t, xfrm::kAeadKeyBytes> k{};
  for (std::size_t i = 0; i < k.size(); ++i)
    k[i] = static_cast<std::uint8_t>(seed + i);
  return core::SecureBytes(k);
}

xfrm::Sa sample_sa(xfrm::SaDirection direction, std::uint32_t spi, std::uint8_t key_seed) {
  xfrm::Sa sa;
  const bool out = direction == xfrm::SaDirection::out;
  sa.src = addr(out ? "192.0.2.1" : "198.51.100.2");
  sa.dst = addr(out ? "198.51.100.2" : "192.0.2.1");
  sa.spi = spi;
  sa.reqid = kSampleReqid;
  sa.direction = direction;
  sa.aead_key = sample_key(key_seed);
  return sa;
}

xfrm::SpiRequest sample_spi_request(xfrm::SaDirection direction) {
  xfrm::SpiRequest r;
  const bool out = direction == xfrm::SaDirection::out;
  r.src = addr(out ? "192.0.2.1" : "198.51.100.2");
  r.dst = addr(out ? "198.51.100.2" : "192.0.2.1");
  r.reqid = kSampleReqid;
  r.direction = direction;
  r.min_spi = 0x1000;
  r.max_spi = 0x1fff;
  return r;
}

xfrm::Policy sample_policy(xfrm::PolicyDirection direction) {
  xfrm::Policy p;
  const bool out = direction == xfrm::PolicyDirection::out;
  p.direction = direction;
  p.selector.src = prefix(out ? "10.1.0.0/16" : "10.2.0.0/16");
  p.selector.dst = prefix(out ? "10.2.0.0/16" : "10.1.0.0/16");
  p.priority = 1000;
  xfrm::PolicyTemplate t;
  t.src = addr(out ? "192.0.2.1" : "198.51.100.2");
  t.dst = addr(out ? "198.51.100.2" : "192.0.2.1");
  t.reqid = kSampleReqid;
  p.templates.push_back(t);
  return p;
}

}  // namespace pqbranch::test
