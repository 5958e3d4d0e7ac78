// EdgeRotation on its own: the exact actions for each event, without a simulator.

#include "pqbranch/rotation/edge_rotation.hpp"

#include <iostream>
#include <random>

#include <gtest/gtest.h>

#include "pqbranch/xfrm/errc.hpp"

#include "machine_test_util.hpp"

namespace pqbranch::rotation {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using D = xfrm::SaDirection;

EdgeSiteConfig edge_config() {
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
  EdgeRotation edge_{edge_config()};
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
  expected.lifetime = edge_config().lifetime;
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
  EdgeSiteConfig c = edge_config();
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
  const std::vector<xfrm::SaState> kernel{owned_sa(kAgent, kEdge, 0x3000, D::in),
                                          owned_sa(kEdge, kAgent, 0x1000, D::out),
                                          owned_sa(kAgent, kEdge, 0x3001, D::in)};
  EdgeRotation restarted(edge_config());
  last_ = restarted.start(saved, kernel, now_);
  EXPECT_EQ(restarted.generation(), 1U);
  EXPECT_EQ(restarted.pending(), 0U);
  EXPECT_EQ(restarted.ledger().installed_inbound(), 2U);  // the agent may send on 2
  last_ = restarted.handle(
      RequestReceived{3, {2, 0x1002, std::nullopt}, std::nullopt, std::nullopt}, now_);
  EXPECT_EQ(first_of<AddSa>(last_), nullptr);  // no keys for generation 2's outbound
  const AllocateSpi* alloc = first_of<AllocateSpi>(last_);
  ASSERT_NE(alloc, nullptr);
  EXPECT_EQ(alloc->request.min_spi, alloc->request.max_spi);
  EXPECT_FALSE(restarted.ledger().holds_spi(alloc->request.min_spi));  // none in use
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

// --- the site's limits (docs/security.md, "A compromised site") ---

class EdgeRotationLimits : public EdgeRotationTest {
 protected:
  void start_with(const GenerationLimits& limits) {
    EdgeSiteConfig c = edge_config();
    c.counter_poll = 1s;
    c.limits = limits;
    edge_ = EdgeRotation(c);
    start();
  }
  const SendRefusal* refused(ConnectionId conn, Generation current, std::uint32_t agent_spi) {
    feed(RequestReceived{conn, {current, agent_spi, std::nullopt}, std::nullopt, std::nullopt});
    EXPECT_FALSE(has_kernel_change(last_));
    EXPECT_EQ(first_of<SaveEdgeState>(last_), nullptr);  // nothing used up, no fsync
    return first_of<SendRefusal>(last_);
  }
};

TEST_F(EdgeRotationLimits, AboveTheSiteRateARequestGetsBusyWithRetryAfterUntilItRefills) {
  start_with({.burst = 3, .refill = 2s, .max_outstanding = 8, .abandoned_lifetime = 5min});
  Generation g = 0;
  for (std::uint32_t i = 0; i < 3; ++i) {
    const GenerationOffer o = offer(i + 1, g, 0x1000 + i, 0x3000 + i);
    ack(i + 1, o);
    g = o.generation;
  }
  const SendRefusal* r = refused(4, g, 0x1003);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->refusal.code, RefusalCode::busy);
  EXPECT_EQ(r->refusal.retry_after, 2s);
  EXPECT_EQ(r->limit, "rate");
  EXPECT_EQ(edge_.saved_state().last_issued, 3U);
  now_ += 1500ms;
  r = refused(5, g, 0x1003);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->refusal.retry_after, 1s);  // 500 ms, rounded up
  now_ += 500ms;                          // one more generation now, and only one
  EXPECT_EQ(offer(6, g, 0x1003, 0x3003).generation, 4U);
  ASSERT_NE(refused(7, 3, 0x1004), nullptr);
}

TEST_F(EdgeRotationLimits, AcknowledgementsAreNeverLimited) {
  start_with({.burst = 1, .refill = 1h, .max_outstanding = 8, .abandoned_lifetime = 5min});
  const GenerationOffer o = offer(1, 0, 0x1000, 0x3000);
  ASSERT_NE(refused(2, 0, 0x1001), nullptr);
  ack(1, o);
  EXPECT_EQ(edge_.generation(), 1U);
}

TEST_F(EdgeRotationLimits, OutstandingGenerationsAreCappedUntilAbandonedOnesExpireUnused) {
  start_with({.burst = 100, .refill = 1s, .max_outstanding = 3, .abandoned_lifetime = 60s});
  // Three offers the agent never acknowledges (lost answers): 1 and 2 abandoned, 3 pending.
  for (std::uint32_t i = 0; i < 3; ++i)
    offer(i + 1, 0, 0x1000 + i, 0x3000 + i);
  EXPECT_EQ(edge_.outstanding(), 3U);
  EXPECT_EQ(edge_.ledger().installed_inbound(), 3U);
  const SendRefusal* r = refused(4, 0, 0x1003);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->refusal.code, RefusalCode::busy);
  EXPECT_EQ(r->limit, "outstanding");
  EXPECT_EQ(r->refusal.retry_after, 61s);  // the lifetime and one counter poll
  // The lifetime ends: the counters are read first...
  now_ += 60s;
  feed(Tick{});
  const auto polls = all_of<ReadCounters>(last_);
  ASSERT_GE(polls.size(), 2U);  // (and the pending generation's, polled as always)
  const xfrm::SaId first = polls[0]->id;
  const xfrm::SaId second = polls[1]->id;
  EXPECT_EQ(first.spi, 0x3000U);
  EXPECT_EQ(second.spi, 0x3001U);
  feed(CountersRead{first, std::uint64_t{0}});
  EXPECT_EQ(first_of<DeleteSa>(last_), nullptr);  // ...and only then does one go
  feed(CountersRead{second, std::uint64_t{0}});
  now_ += 1s;
  feed(Tick{});
  ASSERT_NE(first_of<DeleteSa>(last_), nullptr);
  EXPECT_EQ(first_of<DeleteSa>(last_)->id.spi, 0x3000U);
  ok();
  ASSERT_NE(first_of<DeleteSa>(last_), nullptr);
  EXPECT_EQ(first_of<DeleteSa>(last_)->id.spi, 0x3001U);
  ok();
  EXPECT_EQ(edge_.outstanding(), 1U);  // the pending one
  // The site is served again.
  EXPECT_EQ(offer(5, 0, 0x1004, 0x3004).generation, 4U);
}

TEST_F(EdgeRotationLimits, AnAbandonedGenerationWhoseCountersMovedIsKept) {
  start_with({.burst = 100, .refill = 1s, .max_outstanding = 8, .abandoned_lifetime = 60s});
  offer(1, 0, 0x1000, 0x3000);
  offer(2, 0, 0x1001, 0x3001);  // a stale request: 1 is abandoned, yet the agent is on it
  now_ += 60s;
  feed(Tick{});
  const auto polls = all_of<ReadCounters>(last_);
  ASSERT_FALSE(polls.empty());
  const xfrm::SaId abandoned = polls[0]->id;
  EXPECT_EQ(abandoned.spi, 0x3000U);
  feed(CountersRead{abandoned, std::uint64_t{7}});
  EXPECT_TRUE(noted(last_, "agent proven on generation 1"));
  now_ += 10s;
  feed(Tick{});
  for (const DeleteSa* d : all_of<DeleteSa>(last_))
    EXPECT_NE(d->id.spi, 0x3000U);
  EXPECT_NE(edge_.ledger().find(1), nullptr);
  EXPECT_TRUE(edge_.ledger().find(1)->inbound.installed());
}

TEST_F(EdgeRotationLimits, TheGenerationNumberNeverGoesWhereTheAgentCannotFollow) {
  start_with({});
  // No number above what the wire carries (2^53 - 1), and no jump of more than 2^32.
  for (const Generation reported :
       {kMaxGeneration, kMaxGeneration - 1, (Generation{1} << 32) + 1}) {
    const SendRefusal* r = refused(1, reported, 0x1000);
    ASSERT_NE(r, nullptr) << reported;
    EXPECT_EQ(r->refusal.code, RefusalCode::bad_request);
    EXPECT_EQ(r->limit, "generation_space");
    EXPECT_EQ(edge_.saved_state().last_issued, 0U);
  }
  feed(RequestReceived{2, {Generation{1} << 32, 0x1000, std::nullopt}, std::nullopt, std::nullopt});
  EXPECT_EQ(first_of<SaveEdgeState>(last_)->state.last_issued, (Generation{1} << 32) + 1);

  // An edge whose last number is the largest one issues nothing more.
  EdgeSiteState saved;
  saved.site_id = "branch-1";
  saved.last_issued = kMaxGeneration - 1;
  EdgeRotation high(edge_config());
  last_ = high.start(saved, {}, now_);
  last_ =
      high.handle(RequestReceived{3, {0, 0x1000, std::nullopt}, std::nullopt, std::nullopt}, now_);
  EXPECT_EQ(first_of<SaveEdgeState>(last_)->state.last_issued, kMaxGeneration);
  EdgeRotation top(edge_config());
  saved.last_issued = kMaxGeneration;
  last_ = top.start(saved, {}, now_);
  last_ =
      top.handle(RequestReceived{4, {0, 0x1000, std::nullopt}, std::nullopt, std::nullopt}, now_);
  ASSERT_NE(first_of<SendRefusal>(last_), nullptr);
  EXPECT_EQ(first_of<AllocateSpi>(last_), nullptr);
}

// Whatever a site sends (requests naming any generation, acknowledgements, lost answers) and
// however time passes, every state the machine saves decodes again: the edge never writes a
// state file that it would refuse at its next start.
TEST_F(EdgeRotationLimits, WhateverASiteDoesEverySavedStateLoadsAgain) {
  start_with({.burst = 1000, .refill = 0s, .max_outstanding = 16, .abandoned_lifetime = 30s});
  std::mt19937_64 rng(3);
  std::uint32_t edge_spi = 0x3000;
  std::uint32_t agent_spi = 0x1000;
  ConnectionId conn = 1;
  std::vector<GenerationOffer> offers;
  std::size_t saves = 0;
  std::size_t most = 0;
  const auto check = [&] {
    for (const SaveEdgeState* save : all_of<SaveEdgeState>(last_)) {
      ++saves;
      most = std::max(most, save->state.sas.size());
      const auto back = decode_edge_site_state(encode(save->state));
      ASSERT_TRUE(back.has_value())
          << back.error().message() << " (" << save->state.sas.size() << " records)";
    }
    if (const SendOffer* o = first_of<SendOffer>(last_)) offers.push_back(o->offer);
  };
  // Answers every step the machine asks for; kernel steps succeed.
  const auto settle = [&] {
    check();
    for (int i = 0; i < 64; ++i) {
      if (const AllocateSpi* a = first_of<AllocateSpi>(last_)) {
        feed(SpiAllocated{a->step, edge_spi++});
      } else if (const DeriveKeys* d = first_of<DeriveKeys>(last_)) {
        feed(KeysDerived{d->step, keys_of(1)});
      } else if (first_of<UpdateSa>(last_) != nullptr || first_of<AddSa>(last_) != nullptr ||
                 first_of<DeleteSa>(last_) != nullptr) {
        ok();
      } else {
        break;
      }
      check();
    }
  };
  for (int i = 0; i < 3000; ++i) {
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    // Mostly requests, in bursts faster than abandoned generations expire.
    const std::size_t roll = pick(20);
    const int what = roll < 10 ? 0 : roll < 13 ? 1 : roll < 15 ? 2 : 3;
    switch (what) {
      case 0: {
        const Generation current =
            offers.empty() || pick(3) == 0 ? Generation{0} : offers[pick(offers.size())].generation;
        feed(RequestReceived{
            conn++, {current, agent_spi++, std::nullopt}, std::nullopt, std::nullopt});
        break;
      }
      case 1:
        if (!offers.empty()) {
          const GenerationOffer& o = offers[pick(offers.size())];
          feed(AckReceived{conn++, {o.generation, o.agent_spi, o.edge_spi}});
        }
        break;
      case 2:
        now_ += std::chrono::seconds(pick(4));
        feed(Tick{});
        break;
      default:
        for (const auto& [g, sas] : edge_.ledger().generations()) {
          if (sas.inbound.installed() && pick(4) == 0) {
            feed(CountersRead{edge_.ledger().id_of(sas.inbound), std::uint64_t{pick(2)}});
            break;
          }
        }
        break;
    }
    settle();
  }
  EXPECT_GT(saves, 1000U);
  EXPECT_LE(most, kMaxSavedSas);
  std::cout << "saved states: " << saves << ", the most SA records in one: " << most << "\n";
}

}  // namespace
}  // namespace pqbranch::rotation
