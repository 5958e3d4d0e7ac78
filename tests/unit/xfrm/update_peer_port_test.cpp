// xfrm::update_peer_port against FakeKernel (which keeps an installed SA's key on UPDSA, as
// the kernel does): the NAT mapping change of the edge, without the key.
#include <gtest/gtest.h>

#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/kernel.hpp"

#include "fakes/manual_clock.hpp"
#include "fakes/xfrm/fake_kernel.hpp"
#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::test {
namespace {

using xfrm::SaDirection;

xfrm::Sa encapsulated(SaDirection d, std::uint32_t spi) {
  xfrm::Sa sa = sample_sa(d, spi, 7);
  sa.encap = xfrm::Encap{};
  (d == SaDirection::in ? sa.encap->src_port : sa.encap->dst_port) = 40000;
  return sa;
}

TEST(UpdatePeerPort, MovesThePeersPortAndKeepsKeyAndLifetimes) {
  ManualClock clock;
  FakeKernel kernel(clock);
  for (const SaDirection d : {SaDirection::in, SaDirection::out}) {
    const xfrm::Sa sa = encapsulated(d, d == SaDirection::in ? 0x1000 : 0x2000);
    ASSERT_TRUE(kernel.add_sa(sa).has_value());
    ASSERT_TRUE(xfrm::update_peer_port(kernel, sa.id(), d, 40001).has_value());
    const auto after = kernel.get_sa(sa.id());
    ASSERT_TRUE(after.has_value());
    ASSERT_TRUE(after->encap.has_value());
    const std::uint16_t peer =
        d == SaDirection::in ? after->encap->src_port : after->encap->dst_port;
    const std::uint16_t own =
        d == SaDirection::in ? after->encap->dst_port : after->encap->src_port;
    EXPECT_EQ(peer, 40001);
    EXPECT_EQ(own, xfrm::kNatTPort);
    EXPECT_EQ(after->lifetime, sa.lifetime);
    EXPECT_TRUE(kernel.key_of(sa.id())->equals(sa.aead_key.span()));
  }
}

TEST(UpdatePeerPort, RefusesWhatItCannotUpdate) {
  ManualClock clock;
  FakeKernel kernel(clock);
  const xfrm::Sa plain = sample_sa(SaDirection::out, 0x3000);
  ASSERT_TRUE(kernel.add_sa(plain).has_value());
  EXPECT_EQ(xfrm::update_peer_port(kernel, plain.id(), SaDirection::out, 40001).error().code,
            xfrm::errc::invalid_parameter);
  const xfrm::Sa in = encapsulated(SaDirection::in, 0x3001);
  ASSERT_TRUE(kernel.add_sa(in).has_value());
  EXPECT_EQ(xfrm::update_peer_port(kernel, in.id(), SaDirection::out, 40001).error().code,
            xfrm::errc::invalid_parameter);
  xfrm::SaId gone = in.id();
  gone.spi = 0x3999;
  EXPECT_EQ(xfrm::update_peer_port(kernel, gone, SaDirection::in, 40001).error().code,
            xfrm::errc::not_found);
  EXPECT_EQ(kernel.get_sa(in.id())->encap->src_port, 40000);
}

}  // namespace
}  // namespace pqbranch::test
