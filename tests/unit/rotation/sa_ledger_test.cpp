// SaLedger: the retirement rules both machines share.

#include "pqbranch/rotation/sa_ledger.hpp"

#include <gtest/gtest.h>

#include "pqbranch/xfrm/errc.hpp"

#include "machine_test_util.hpp"

namespace pqbranch::rotation {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using D = xfrm::SaDirection;

SaLedger ledger_with(std::initializer_list<Generation> inbound) {
  SaLedger l(agent_tunnel());
  for (const Generation g : inbound) {
    l.at(g).inbound = {static_cast<std::uint32_t>(0x1000 + g), kEdge, kAgent, SlotState::installed};
  }
  return l;
}

TEST(SaLedger, ProofOnlyMovesForwardAndOnlyToKnownGenerations) {
  SaLedger l = ledger_with({1, 2, 3});
  EXPECT_FALSE(l.prove_peer(4, kT0, 5s));  // unknown: a bad message proves nothing
  EXPECT_TRUE(l.prove_peer(2, kT0, 5s));
  EXPECT_FALSE(l.prove_peer(1, kT0, 5s));
  EXPECT_FALSE(l.prove_peer(2, kT0 + 1s, 5s));
  EXPECT_EQ(l.peer_proven(), 2U);
  EXPECT_EQ(l.find(1)->retire_inbound_at, kT0 + 5s);
  EXPECT_FALSE(l.find(2)->retire_inbound_at);
  EXPECT_FALSE(l.find(3)->retire_inbound_at);
}

TEST(SaLedger, RetirementIsDueOnlyAfterTheGracePeriod) {
  SaLedger l = ledger_with({1, 2});
  EXPECT_FALSE(l.retire_due(kT0 + 24h));  // no proof: never
  l.prove_peer(2, kT0, 5s);
  EXPECT_FALSE(l.retire_due(kT0 + 4s));
  EXPECT_EQ(l.retire_due(kT0 + 5s), std::optional<Generation>(1));
  EXPECT_EQ(l.next_retirement(), kT0 + 5s);
}

TEST(SaLedger, ProbesTheNewestInboundWhileAnOlderOneWaits) {
  SaLedger alone = ledger_with({1});
  EXPECT_FALSE(alone.probe(false));
  EXPECT_TRUE(alone.probe(true));
  SaLedger l = ledger_with({1, 2});
  ASSERT_TRUE(l.probe(false));
  EXPECT_EQ(l.probe(false)->spi, 0x1002U);
  l.prove_peer(2, kT0, 5s);
  EXPECT_FALSE(l.probe(false));  // proven: nothing more to learn
}

TEST(SaLedger, CleanupRetriesFailuresLaterAndForgetsNotFound) {
  SaLedger l(agent_tunnel());
  const xfrm::SaId a{kAgent, 0x5000, xfrm::Proto::esp, 0, 0};
  const xfrm::SaId b{kAgent, 0x5001, xfrm::Proto::esp, 0, 0};
  l.queue_cleanup(a);
  l.queue_cleanup(a);  // once
  l.queue_cleanup(b);
  EXPECT_EQ(l.cleanup_pending(), 2U);
  EXPECT_EQ(l.cleanup_due(kT0), a);
  l.cleanup_done(core::make_error(xfrm::errc::rejected), kT0, 2s);
  EXPECT_EQ(l.cleanup_due(kT0), b);
  l.cleanup_done(core::make_error(xfrm::errc::not_found), kT0, 2s);
  EXPECT_FALSE(l.cleanup_due(kT0 + 1s));
  EXPECT_EQ(l.cleanup_due(kT0 + 2s), a);
  l.cleanup_done({}, kT0 + 2s, 2s);
  EXPECT_EQ(l.cleanup_pending(), 0U);
}

TEST(SaLedger, RecordsAndLocate) {
  SaLedger l = ledger_with({1});
  l.at(1).outbound = {0x2001, kAgent, kEdge, SlotState::installing};
  EXPECT_EQ(l.records(), (std::vector<SaRecord>{{1, D::in, 0x1001}, {1, D::out, 0x2001}}));
  const auto where = l.locate({kEdge, 0x2001, xfrm::Proto::esp, 0, 0});
  ASSERT_TRUE(where);
  EXPECT_EQ(where->generation, 1U);
  EXPECT_EQ(where->direction, D::out);
  EXPECT_FALSE(l.locate({kAgent, 0x2001, xfrm::Proto::esp, 0, 0}));  // another dst
  EXPECT_TRUE(l.forget({kAgent, 0x1001, xfrm::Proto::esp, 0, 0}));
  EXPECT_EQ(l.installed_inbound(), 0U);
}

TEST(SaLedger, WithoutRecordsEveryInstalledSaOfTheTunnelIsKeptUnderPlaceholders) {
  SaLedger l(edge_tunnel());
  auto sa = [](std::uint32_t spi, D d, std::uint32_t reqid = kReqid, bool larval = false) {
    xfrm::SaState s;
    s.src = d == D::in ? kAgent : kEdge;
    s.dst = d == D::in ? kEdge : kAgent;
    s.spi = spi;
    s.reqid = reqid;
    s.direction = d;
    s.larval = larval;
    return s;
  };
  const std::vector<xfrm::SaState> kernel{sa(0x3001, D::in),
                                          sa(0x1000, D::out),
                                          sa(0x3000, D::in),
                                          sa(0x0fff, D::out),
                                          sa(0x3002, D::in, kReqid, true),
                                          sa(0x4000, D::in, 7)};
  EXPECT_EQ(l.adopt_unrecorded(kernel, 8), 3U);
  EXPECT_EQ(l.find(1)->inbound.spi, 0x3000U);
  EXPECT_EQ(l.find(2)->inbound.spi, 0x3001U);
  EXPECT_EQ(l.find(3)->outbound.spi, 0x1000U);  // the newest (highest SPI) outbound
  EXPECT_EQ(l.newest_outbound(), 3U);
  // A request naming any of these numbers proves nothing: the agent's numbers are others.
  EXPECT_EQ(l.peer_proven(), 3U);
  EXPECT_FALSE(l.prove_peer(2, kT0, 5s));
  // The larval SA and the older outbound SA are removed; another tunnel's is not touched.
  EXPECT_EQ(l.cleanup_pending(), 2U);
  // At most `max`: the inbound SAs with the lowest SPIs go first.
  SaLedger small(edge_tunnel());
  EXPECT_EQ(small.adopt_unrecorded(kernel, 2), 2U);
  EXPECT_EQ(small.find(1)->inbound.spi, 0x3001U);
  EXPECT_EQ(small.find(2)->outbound.spi, 0x1000U);
}

}  // namespace
}  // namespace pqbranch::rotation
