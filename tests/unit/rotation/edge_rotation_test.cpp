// EdgeRotation on its own: the exact actions for each event, without a simulator.

#include "pqbranch/rotation/edge_rotation.hpp"

#include <gtest/gtest.h>

#include "pqbranch/xfrm/errc.hpp"

#include "machine_test_util.hpp"

namespace pqbranch::rotation {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using D = xfrm::SaDirection;

const TimePoint kT0{std::chrono::hours(1)};

EdgeSiteConfig config() {
  EdgeSiteConfig c;
  c.site_id = "branch-1";
  c.tunnel = edge_tunnel();
  c.lifetime.soft_add = 900s;
  c.lifetime.hard_add = 1200s;
  c.grace = 5s;
  c.retry = 3s;
  return c;
}

class EdgeRotationTest : public ::testing::Test {
 protected:
  EdgeRotation edge_{config()};
  TimePoint now_ = kT0;
  std::vector<EdgeAction> last_;

  void start() { last_ = edge_.start(std::nullopt, {}, now_); }
  std::vector<EdgeAction>& feed(EdgeEvent e) {
    last_ = edge_.handle(std::move(e), now_);
    return last_;
  }
  StepId step() const {
    for (const EdgeAction& a : last_) {
      if (const auto* x = std::get_if<AllocateSpi>(&a)) return x->step;
      if (const auto* x = std::get_if<DeriveKeys>(&a)) return x->step;
      if (const auto* x = std::get_if<UpdateSa>(&a)) return x->step;
      if (const auto* x = std::get_if<AddSa>(&a)) return x->step;
      if (const auto* x = std::get_if<DeleteSa>(&a)) return x->step;
    }
    ADD_FAILURE() << "no step in the last actions";
    return 0;
  }
  std::vector<EdgeAction>& ok() { return feed(KernelDone{step(), {}}); }

  // A request on `conn` answered with an offer of generation `g` (edge SPI `edge_spi`).
  GenerationOffer offer(ConnectionId conn, Generation current, std::uint32_t agent_spi,
                        std::uint32_t edge_spi) {
    feed(RequestReceived{conn, {current, agent_spi, std::nullopt}, std::nullopt, std::nullopt});
    // A promotion the request's evidence allows runs first.
    for (int i = 0; i < 3 && first_of<AllocateSpi>(last_) == nullptr; ++i)
      ok();
    feed(SpiAllocated{step(), edge_spi});
    feed(KeysDerived{step(), keys_of(static_cast<std::uint8_t>(edge_spi))});
    ok();
    const SendOffer* sent = first_of<SendOffer>(last_);
    if (sent == nullptr) {
      ADD_FAILURE() << "no offer";
      return {};
    }
    return sent->offer;
  }
  void ack(ConnectionId conn, const GenerationOffer& o) {
    feed(AckReceived{conn, {o.generation, o.agent_spi, o.edge_spi}});
    for (int i = 0;
         i < 3 && (first_of<AddSa>(last_) != nullptr || first_of<DeleteSa>(last_) != nullptr);
         ++i) {
      ok();
    }
  }
};

// A site without a configured address: the executor passes the address it saw (no UDP
// encapsulation); every SA of that generation and the offer use it, the NAT mapping wins.
TEST_F(EdgeRotationTest, LearnedAgentAddressIsUsedForThatGeneration) {
  start();
  const core::IpAddress seen = ip("203.0.113.9");
  feed(RequestReceived{1, {0, 0x1000, std::nullopt}, std::nullopt, seen});
  const AllocateSpi* alloc = first_of<AllocateSpi>(last_);
  ASSERT_NE(alloc, nullptr);
  EXPECT_EQ(alloc->request.src, seen);
  feed(SpiAllocated{alloc->step, 0x3000});
  feed(KeysDerived{step(), keys_of(1)});
  EXPECT_EQ(first_of<UpdateSa>(last_)->sa.src, seen);
  ok();
  const SendOffer* sent = first_of<SendOffer>(last_);
  ASSERT_NE(sent, nullptr);
  EXPECT_EQ(sent->offer.tunnel.agent_address, seen);
  EXPECT_FALSE(sent->offer.encap.has_value());
  ack(1, sent->offer);
  EXPECT_EQ(edge_.generation(), 1U);

  const RequestReceived natted{
      2, {1, 0x1001, std::nullopt}, NatMapping{ip("198.18.0.1"), 40001}, seen};
  const GenerationOffer second = [&] {
    feed(natted);
    feed(SpiAllocated{step(), 0x3001});
    feed(KeysDerived{step(), keys_of(2)});
    ok();
    return first_of<SendOffer>(last_)->offer;
  }();
  EXPECT_EQ(second.tunnel.agent_address, ip("198.18.0.1"));
  ASSERT_TRUE(second.encap.has_value());
  EXPECT_EQ(second.encap->dst_port, 40001);
}

TEST_F(EdgeRotationTest, FirstRequestIssuesGenerationOneStepByStep) {
  start();
  EXPECT_EQ(first_of<SaveEdgeState>(last_)->state.site_id, "branch-1");
  feed(RequestReceived{7, {0, 0x1000, std::nullopt}, std::nullopt, std::nullopt});
  // The number is used up (saved) before anything is installed under it.
  ASSERT_LT(index_of<SaveEdgeState>(last_), index_of<AllocateSpi>(last_));
  EXPECT_EQ(first_of<SaveEdgeState>(last_)->state.last_issued, 1U);
  const AllocateSpi* alloc = first_of<AllocateSpi>(last_);
  ASSERT_NE(alloc, nullptr);
  EXPECT_EQ(alloc->request.src, kAgent);
  EXPECT_EQ(alloc->request.dst, kEdge);

  feed(SpiAllocated{alloc->step, 0x3000});
  const DeriveKeys* derive = first_of<DeriveKeys>(last_);
  ASSERT_NE(derive, nullptr);
  EXPECT_EQ(derive->conn, 7U);
  EXPECT_EQ(derive->generation, 1U);
  EXPECT_EQ(derive->agent_spi, 0x1000U);
  EXPECT_EQ(derive->edge_spi, 0x3000U);

  const GenerationKeys keys = keys_of(0x40);
  feed(KeysDerived{derive->step, keys.clone()});
  ASSERT_LT(index_of<SaveEdgeState>(last_), index_of<UpdateSa>(last_));
  EXPECT_EQ(first_of<SaveEdgeState>(last_)->state.sas, (std::vector<SaRecord>{{1, D::in, 0x3000}}));
  const UpdateSa* in = first_of<UpdateSa>(last_);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->sa.spi, 0x3000U);
  EXPECT_EQ(in->sa.src, kAgent);
  EXPECT_EQ(in->sa.dst, kEdge);
  EXPECT_EQ(in->sa.direction, D::in);
  EXPECT_TRUE(in->sa.aead_key.equals(keys.agent_to_edge.span()));
  EXPECT_EQ(in->sa.lifetime.hard_add, 1205s);

  ok();
  const SendOffer* sent = first_of<SendOffer>(last_);
  ASSERT_NE(sent, nullptr);
  EXPECT_EQ(sent->conn, 7U);
  GenerationOffer expected;
  expected.generation = 1;
  expected.edge_generation = 0;
  expected.agent_spi = 0x1000;
  expected.edge_spi = 0x3000;
  expected.lifetime = config().lifetime;
  expected.tunnel = {kAgent, kEdge, {}, 0};
  EXPECT_EQ(sent->offer, expected);
  EXPECT_EQ(edge_.pending(), 1U);
  EXPECT_EQ(edge_.generation(), 0U);  // no outbound before the acknowledgement

  feed(AckReceived{7, {1, 0x1000, 0x3000}});
  ASSERT_LT(index_of<SaveEdgeState>(last_), index_of<AddSa>(last_));
  const AddSa* out = first_of<AddSa>(last_);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->sa.spi, 0x1000U);
  EXPECT_EQ(out->sa.src, kEdge);
  EXPECT_EQ(out->sa.dst, kAgent);
  EXPECT_EQ(out->sa.direction, D::out);
  EXPECT_TRUE(out->sa.aead_key.equals(keys.edge_to_agent.span()));  // kept in memory
  ok();
  EXPECT_EQ(first_of<DeleteSa>(last_), nullptr);  // nothing older
  EXPECT_EQ(edge_.generation(), 1U);
  EXPECT_EQ(edge_.pending(), 0U);
  EXPECT_EQ(edge_.saved_state().generation, 1U);

  feed(AckReceived{7, {1, 0x1000, 0x3000}});  // repeated: a no-op
  EXPECT_FALSE(has_kernel_change(last_));
  EXPECT_EQ(first_of<DeleteSa>(last_), nullptr);
}

TEST_F(EdgeRotationTest, PromotionDeletesTheOldOutboundRightAfterAddingTheNew) {
  start();
  ack(1, offer(1, 0, 0x1000, 0x3000));
  const GenerationOffer o2 = offer(2, 1, 0x1001, 0x3001);
  EXPECT_EQ(o2.edge_generation, 1U);
  feed(AckReceived{2, {2, 0x1001, 0x3001}});
  ASSERT_NE(first_of<AddSa>(last_), nullptr);
  ok();
  const DeleteSa* del = first_of<DeleteSa>(last_);
  ASSERT_NE(del, nullptr);
  EXPECT_EQ(del->id.spi, 0x1000U);
  EXPECT_EQ(del->id.dst, kAgent);
  ok();
  EXPECT_EQ(edge_.generation(), 2U);
  EXPECT_EQ(edge_.ledger().installed_outbound(), 1U);
  EXPECT_EQ(edge_.ledger().installed_inbound(), 2U);  // inbound 1 waits for the grace period
  now_ += 5s;
  feed(Tick{});
  const DeleteSa* retire = first_of<DeleteSa>(last_);
  ASSERT_NE(retire, nullptr);
  EXPECT_EQ(retire->id.spi, 0x3000U);
}

TEST_F(EdgeRotationTest, WithADrainTheOldOutboundGoesOnlyWhenTheDrainEnds) {
  EdgeSiteConfig c = config();
  c.outbound_drain = 100ms;
  edge_ = EdgeRotation(c);
  start();
  ack(1, offer(1, 0, 0x1000, 0x3000));
  (void)offer(2, 1, 0x1001, 0x3001);
  feed(AckReceived{2, {2, 0x1001, 0x3001}});
  ASSERT_NE(first_of<AddSa>(last_), nullptr);
  ok();  // outbound 2: the drain starts
  EXPECT_EQ(first_of<DeleteSa>(last_), nullptr);
  const WakeAt* wake = first_of<WakeAt>(last_);
  ASSERT_NE(wake, nullptr);
  EXPECT_LE(wake->at, now_ + 100ms);
  now_ += 99ms;
  feed(Tick{});
  EXPECT_EQ(first_of<DeleteSa>(last_), nullptr);
  now_ += 1ms;
  feed(Tick{});
  const DeleteSa* del = first_of<DeleteSa>(last_);
  ASSERT_NE(del, nullptr);
  EXPECT_EQ(del->id.spi, 0x1000U);
  ok();
  EXPECT_EQ(edge_.ledger().installed_outbound(), 1U);
}

TEST_F(EdgeRotationTest, RepeatedRequestOnTheSameConnectionGetsTheSameOffer) {
  start();
  const GenerationOffer o = offer(1, 0, 0x1000, 0x3000);
  feed(RequestReceived{1, {0, 0x1000, std::nullopt}, std::nullopt, std::nullopt});
  EXPECT_FALSE(has_kernel_change(last_));
  ASSERT_NE(first_of<SendOffer>(last_), nullptr);
  EXPECT_EQ(first_of<SendOffer>(last_)->offer, o);
  EXPECT_EQ(edge_.saved_state().last_issued, 1U);
}

TEST_F(EdgeRotationTest, AnotherRequestWhileOneIsInProgressIsBusy) {
  start();
  feed(RequestReceived{1, {0, 0x1000, std::nullopt}, std::nullopt, std::nullopt});
  feed(RequestReceived{2, {0, 0x1001, std::nullopt}, std::nullopt, std::nullopt});
  const SendRefusal* r = first_of<SendRefusal>(last_);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->conn, 2U);
  EXPECT_EQ(r->refusal.code, RefusalCode::busy);
}

TEST_F(EdgeRotationTest, ReservedOrReusedAgentSpiIsRefused) {
  start();
  ack(1, offer(1, 0, 0x1000, 0x3000));
  for (const std::uint32_t spi : {0x1000U, 0x10U}) {
    feed(RequestReceived{2, {1, spi, std::nullopt}, std::nullopt, std::nullopt});
    const SendRefusal* r = first_of<SendRefusal>(last_);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->refusal.code, RefusalCode::bad_request);
    EXPECT_FALSE(has_kernel_change(last_));
  }
}

TEST_F(EdgeRotationTest, RequestNamingThePendingGenerationPromotesItBeforeTheNextOffer) {
  start();
  ack(1, offer(1, 0, 0x1000, 0x3000));
  offer(2, 1, 0x1001, 0x3001);  // acknowledgement lost
  feed(RequestReceived{3, {2, 0x1002, std::nullopt}, std::nullopt, std::nullopt});
  const AddSa* out = first_of<AddSa>(last_);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->sa.spi, 0x1001U);
  EXPECT_EQ(first_of<AllocateSpi>(last_), nullptr);  // the offer waits for the switch
  ok();
  ASSERT_NE(first_of<DeleteSa>(last_), nullptr);
  ok();
  ASSERT_NE(first_of<AllocateSpi>(last_), nullptr);
  feed(SpiAllocated{step(), 0x3002});
  feed(KeysDerived{step(), keys_of(0x50)});
  ok();
  const SendOffer* sent = first_of<SendOffer>(last_);
  ASSERT_NE(sent, nullptr);
  EXPECT_EQ(sent->offer.generation, 3U);
  EXPECT_EQ(sent->offer.edge_generation, 2U);  // tells the agent the edge sends on 2
}

TEST_F(EdgeRotationTest, InboundCountersMovingPromoteThePendingGeneration) {
  start();
  ack(1, offer(1, 0, 0x1000, 0x3000));
  offer(2, 1, 0x1001, 0x3001);  // acknowledgement lost
  now_ += 1s;
  feed(Tick{});
  const ReadCounters* poll = first_of<ReadCounters>(last_);
  ASSERT_NE(poll, nullptr);
  EXPECT_EQ(poll->id.spi, 0x3001U);
  const xfrm::SaId polled = poll->id;
  feed(CountersRead{polled, std::uint64_t{12}});
  ASSERT_NE(first_of<AddSa>(last_), nullptr);
  EXPECT_EQ(first_of<AddSa>(last_)->sa.spi, 0x1001U);
}

TEST_F(EdgeRotationTest, FailedPromotionIsRetriedAfterTheRetryDelay) {
  start();
  const GenerationOffer o = offer(1, 0, 0x1000, 0x3000);
  feed(AckReceived{1, {1, 0x1000, 0x3000}});
  feed(KernelDone{step(), core::make_error(xfrm::errc::rejected)});
  EXPECT_EQ(edge_.generation(), 0U);
  EXPECT_FALSE(edge_.status().last_error.empty());
  const WakeAt* wake = first_of<WakeAt>(last_);
  ASSERT_NE(wake, nullptr);
  EXPECT_EQ(wake->at, now_ + 3s);
  now_ += 3s;
  feed(Tick{});
  ASSERT_NE(first_of<AddSa>(last_), nullptr);
  ok();
  EXPECT_EQ(edge_.generation(), o.generation);
}

TEST_F(EdgeRotationTest, FailedInboundInstallRefusesAndGivesTheSpiBack) {
  start();
  feed(RequestReceived{1, {0, 0x1000, std::nullopt}, std::nullopt, std::nullopt});
  feed(SpiAllocated{step(), 0x3000});
  feed(KeysDerived{step(), keys_of(0x40)});
  feed(KernelDone{step(), core::make_error(xfrm::errc::rejected)});
  const SendRefusal* r = first_of<SendRefusal>(last_);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->refusal.code, RefusalCode::internal_error);
  const DeleteSa* larval = first_of<DeleteSa>(last_);
  ASSERT_NE(larval, nullptr);
  EXPECT_EQ(larval->id.spi, 0x3000U);
  EXPECT_EQ(edge_.pending(), 0U);
  EXPECT_TRUE(edge_.saved_state().sas.empty());
  EXPECT_EQ(edge_.saved_state().last_issued, 1U);  // never issued again
}

TEST_F(EdgeRotationTest, AfterARestartPendingKeysAreGoneSoTheNextGenerationIsForced) {
  start();
  ack(1, offer(1, 0, 0x1000, 0x3000));
  offer(2, 1, 0x1001, 0x3001);  // acknowledgement lost, then the edge restarts
  const EdgeSiteState saved = edge_.saved_state();
  auto sa = [](const core::IpAddress& src, const core::IpAddress& dst, std::uint32_t spi, D d) {
    xfrm::SaState s;
    s.src = src;
    s.dst = dst;
    s.spi = spi;
    s.reqid = kReqid;
    s.direction = d;
    s.owned = true;
    return s;
  };
  const std::vector<xfrm::SaState> kernel{sa(kAgent, kEdge, 0x3000, D::in),
                                          sa(kEdge, kAgent, 0x1000, D::out),
                                          sa(kAgent, kEdge, 0x3001, D::in)};
  EdgeRotation restarted(config());
  last_ = restarted.start(saved, kernel, now_);
  EXPECT_EQ(restarted.generation(), 1U);
  EXPECT_EQ(restarted.pending(), 0U);
  EXPECT_EQ(restarted.ledger().installed_inbound(), 2U);  // the agent may send on 2
  last_ = restarted.handle(
      RequestReceived{3, {2, 0x1002, std::nullopt}, std::nullopt, std::nullopt}, now_);
  EXPECT_EQ(first_of<AddSa>(last_), nullptr);  // no keys for generation 2's outbound
  const AllocateSpi* alloc = first_of<AllocateSpi>(last_);
  ASSERT_NE(alloc, nullptr);
  EXPECT_EQ(alloc->request.min_spi, 0x3002U);  // above the saved high-water mark
  EXPECT_EQ(first_of<SaveEdgeState>(last_)->state.last_issued, 3U);
}

TEST_F(EdgeRotationTest, SavedStateOfAnotherSiteIsIgnored) {
  EdgeSiteState other;
  other.site_id = "branch-2";
  other.last_issued = 9;
  last_ = edge_.start(other, {}, now_);
  EXPECT_TRUE(noted(last_, "saved state of site 'branch-2' ignored"));
  EXPECT_EQ(edge_.saved_state().last_issued, 0U);
}

TEST_F(EdgeRotationTest, AgentReportingAnUnknownHigherGenerationRaisesTheNextNumber) {
  start();
  feed(RequestReceived{1, {41, 0x1000, std::nullopt}, std::nullopt, std::nullopt});
  EXPECT_EQ(first_of<SaveEdgeState>(last_)->state.last_issued, 42U);
}

TEST_F(EdgeRotationTest, NatMappingFromTheHelloAddressesTheAgentsPublicPort) {
  start();
  const NatMapping nat{ip("203.0.113.7"), 40000};
  feed(RequestReceived{1, {0, 0x1000, std::uint16_t{4500}}, nat, std::nullopt});
  const AllocateSpi* alloc = first_of<AllocateSpi>(last_);
  ASSERT_NE(alloc, nullptr);
  EXPECT_EQ(alloc->request.src, nat.address);
  feed(SpiAllocated{alloc->step, 0x3000});
  feed(KeysDerived{step(), keys_of(0x40)});
  const UpdateSa* in = first_of<UpdateSa>(last_);
  ASSERT_NE(in, nullptr);
  ASSERT_TRUE(in->sa.encap);
  EXPECT_EQ(in->sa.encap->src_port, 40000);
  EXPECT_EQ(in->sa.encap->dst_port, xfrm::kNatTPort);
  ok();
  const SendOffer* sent = first_of<SendOffer>(last_);
  ASSERT_NE(sent, nullptr);
  ASSERT_TRUE(sent->offer.encap);
  EXPECT_EQ(sent->offer.encap->dst_port, 40000);
  EXPECT_EQ(sent->offer.tunnel.agent_address, nat.address);
}

}  // namespace
}  // namespace pqbranch::rotation
