// AgentRotation on its own: the exact actions for each event, without a simulator.

#include "pqbranch/rotation/agent_rotation.hpp"

#include <algorithm>
#include <functional>
#include <ostream>
#include <random>

#include <gtest/gtest.h>

#include "pqbranch/rotation/errc.hpp"
#include "pqbranch/xfrm/errc.hpp"

#include "agent_machine_fixture.hpp"

namespace pqbranch::rotation {
namespace {

using namespace std::chrono_literals;
using namespace testing;

AgentRotationConfig config(std::size_t endpoints = 2) {
  AgentRotationConfig c;
  c.tunnel = agent_tunnel();
  c.endpoints = endpoints;
  c.interval = 600s;
  c.jitter = 30s;
  c.exchange_timeout = 10s;
  c.retry_initial = 1s;
  c.retry_max = 8s;
  c.grace = 5s;
  return c;
}

class AgentRotationTest : public AgentMachineFixture {
 protected:
  AgentRotationTest() : AgentMachineFixture(config(), 42) {}
};

TEST_F(AgentRotationTest, StartRotatesAtOnce) {
  last_ = agent_.start(std::nullopt, {}, now_);
  ASSERT_NE(first_of<SaveAgentState>(last_), nullptr);
  EXPECT_EQ(first_of<SaveAgentState>(last_)->state, AgentState{});
  const Connect* c = first_of<Connect>(last_);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->endpoint, 0U);
  ASSERT_NE(first_of<WakeAt>(last_), nullptr);
  EXPECT_EQ(first_of<WakeAt>(last_)->at, now_ + 10s);  // the exchange deadline
  EXPECT_FALSE(has_kernel_change(last_));
  EXPECT_EQ(agent_.status().state, "connecting");
}

TEST_F(AgentRotationTest, FirstRotationInstallsInboundThenOutboundThenAcknowledges) {
  last_ = agent_.start(std::nullopt, {}, now_);
  feed(Connected{1});
  const AllocateSpi* alloc = first_of<AllocateSpi>(last_);
  ASSERT_NE(alloc, nullptr);
  EXPECT_EQ(alloc->request.src, kEdge);
  EXPECT_EQ(alloc->request.dst, kAgent);
  EXPECT_EQ(alloc->request.direction, xfrm::SaDirection::in);
  EXPECT_EQ(alloc->request.reqid, kReqid);
  EXPECT_EQ(alloc->request.min_spi, alloc->request.max_spi);  // one SPI, drawn at random
  EXPECT_GE(alloc->request.min_spi, xfrm::kMinSpi);

  feed(SpiAllocated{alloc->step, kAgentSpi});
  const SendRequest* req = first_of<SendRequest>(last_);
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->request, (GenerationRequest{0, kAgentSpi, std::nullopt}));
  EXPECT_EQ(agent_.status().state, "requesting");

  const GenerationKeys keys = keys_of(0x10);
  feed(OfferReceived{1, offer(1, kAgentSpi, kEdgeSpi), keys.clone()});
  // The record is saved before the SA exists.
  ASSERT_LT(index_of<SaveAgentState>(last_), index_of<UpdateSa>(last_));
  EXPECT_EQ(first_of<SaveAgentState>(last_)->state.sas,
            (std::vector<SaRecord>{{1, xfrm::SaDirection::in, kAgentSpi}}));
  const UpdateSa* in = first_of<UpdateSa>(last_);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->sa.spi, kAgentSpi);
  EXPECT_EQ(in->sa.src, kEdge);
  EXPECT_EQ(in->sa.dst, kAgent);
  EXPECT_EQ(in->sa.direction, xfrm::SaDirection::in);
  EXPECT_EQ(in->sa.reqid, kReqid);
  EXPECT_TRUE(in->sa.esn);
  EXPECT_TRUE(in->sa.aead_key.equals(keys.edge_to_agent.span()));
  EXPECT_EQ(in->sa.lifetime.soft_add, 900s);
  EXPECT_EQ(in->sa.lifetime.hard_add, 1205s);  // outlives the sender's by the grace period

  ok();
  const AddSa* out = first_of<AddSa>(last_);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->sa.spi, kEdgeSpi);
  EXPECT_EQ(out->sa.src, kAgent);
  EXPECT_EQ(out->sa.dst, kEdge);
  EXPECT_EQ(out->sa.direction, xfrm::SaDirection::out);
  EXPECT_EQ(out->sa.reqid, kReqid);  // one reqid per tunnel
  EXPECT_TRUE(out->sa.aead_key.equals(keys.agent_to_edge.span()));
  EXPECT_EQ(out->sa.lifetime.hard_add, 1200s);

  ok();  // no older outbound SA: acknowledge at once
  const SendAck* ack = first_of<SendAck>(last_);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->ack, (GenerationAck{1, kAgentSpi, kEdgeSpi}));
  ASSERT_LT(index_of<SaveAgentState>(last_), index_of<SendAck>(last_));
  EXPECT_EQ(first_of<SaveAgentState>(last_)->state.generation, 1U);
  EXPECT_NE(first_of<CloseConnection>(last_), nullptr);

  const RotationStatus s = agent_.status();
  EXPECT_EQ(s.state, "idle");
  EXPECT_EQ(s.generation, 1U);
  EXPECT_EQ(s.outbound_spi, kEdgeSpi);
  EXPECT_EQ(s.inbound_spi, kAgentSpi);
  ASSERT_TRUE(s.next_rotation);
  EXPECT_GE(*s.next_rotation, now_ + 600s);
  EXPECT_LE(*s.next_rotation, now_ + 630s);
}

TEST_F(AgentRotationTest, NextRotationDeletesTheOldOutboundRightAfterAddingTheNew) {
  rotate(1, 1, kAgentSpi, kEdgeSpi, 0);
  now_ = *agent_.status().next_rotation;
  feed(Tick{});
  ASSERT_NE(first_of<Connect>(last_), nullptr);
  feed(Connected{2});
  const AllocateSpi* alloc = first_of<AllocateSpi>(last_);
  ASSERT_NE(alloc, nullptr);
  feed(SpiAllocated{alloc->step, kAgentSpi + 7});
  EXPECT_EQ(first_of<SendRequest>(last_)->request.current_generation, 1U);
  feed(OfferReceived{2, offer(2, kAgentSpi + 7, kEdgeSpi + 9, 1), keys_of(0x20)});
  ASSERT_NE(first_of<UpdateSa>(last_), nullptr);
  ok();
  ASSERT_NE(first_of<AddSa>(last_), nullptr);
  ok();
  const DeleteSa* del = first_of<DeleteSa>(last_);
  ASSERT_NE(del, nullptr);
  EXPECT_EQ(del->id.spi, kEdgeSpi);  // outbound of generation 1
  EXPECT_EQ(del->id.dst, kEdge);
  EXPECT_EQ(first_of<SendAck>(last_), nullptr);  // only after the old outbound is gone
  ok();
  ASSERT_NE(first_of<SendAck>(last_), nullptr);
  EXPECT_EQ(agent_.status().inbound_sas, 2U);  // inbound 1 stays: no proof yet
}

TEST_F(AgentRotationTest, WithADrainTheOldOutboundGoesOnlyWhenTheDrainEnds) {
  AgentRotationConfig c = config();
  c.outbound_drain = 100ms;
  agent_ = AgentRotation(c, [this] { return rng_(); });
  rotate(1, 1, kAgentSpi, kEdgeSpi, 0);
  now_ = *agent_.status().next_rotation;
  feed(Tick{});
  feed(Connected{2});
  feed(SpiAllocated{first_of<AllocateSpi>(last_)->step, kAgentSpi + 7});
  feed(OfferReceived{2, offer(2, kAgentSpi + 7, kEdgeSpi + 9, 1), keys_of(0x20)});
  ok();  // inbound 2
  ASSERT_NE(first_of<AddSa>(last_), nullptr);
  ok();  // outbound 2: the drain starts
  EXPECT_EQ(first_of<DeleteSa>(last_), nullptr);
  EXPECT_EQ(first_of<SendAck>(last_), nullptr);
  const WakeAt* wake = first_of<WakeAt>(last_);
  ASSERT_NE(wake, nullptr);
  EXPECT_EQ(wake->at, now_ + 100ms);
  now_ += 99ms;
  feed(Tick{});
  EXPECT_EQ(first_of<DeleteSa>(last_), nullptr);
  now_ += 1ms;
  feed(Tick{});
  const DeleteSa* del = first_of<DeleteSa>(last_);
  ASSERT_NE(del, nullptr);
  EXPECT_EQ(del->id.spi, kEdgeSpi);  // outbound of generation 1
  ok();
  ASSERT_NE(first_of<SendAck>(last_), nullptr);
}

TEST_F(AgentRotationTest, InboundOfTheOldGenerationGoesOnlyAfterProofAndGrace) {
  rotate(1, 1, kAgentSpi, kEdgeSpi, 0);
  now_ = *agent_.status().next_rotation;
  feed(Tick{});
  rotate(2, 2, kAgentSpi + 7, kEdgeSpi + 9, 1);
  // Counter polling of inbound 2 is requested while inbound 1 waits for proof.
  now_ += 1s;
  feed(Tick{});
  ASSERT_NE(first_of<ReadCounters>(last_), nullptr);
  const xfrm::SaId polled = first_of<ReadCounters>(last_)->id;
  EXPECT_EQ(polled.spi, kAgentSpi + 7);
  feed(CountersRead{polled, std::uint64_t{0}});  // nothing yet
  now_ += 1h;
  feed(Tick{});
  EXPECT_EQ(first_of<DeleteSa>(last_), nullptr);  // time alone deletes nothing
  feed(CountersRead{polled, std::uint64_t{3}});
  EXPECT_TRUE(noted(last_, "edge proven on generation 2"));
  EXPECT_EQ(first_of<DeleteSa>(last_), nullptr);
  now_ += 4s;
  feed(Tick{});
  EXPECT_EQ(first_of<DeleteSa>(last_), nullptr);
  now_ += 1s;
  feed(Tick{});
  const DeleteSa* del = first_of<DeleteSa>(last_);
  ASSERT_NE(del, nullptr);
  EXPECT_EQ(del->id.spi, kAgentSpi);
  ok();
  EXPECT_EQ(agent_.status().inbound_sas, 1U);
  EXPECT_EQ(first_of<SaveAgentState>(last_)->state.sas.size(), 2U);
}

struct BadOffer {
  const char* name;
  std::function<void(GenerationOffer&, GenerationKeys&)> spoil;
};

void PrintTo(const BadOffer& b, std::ostream* os) {
  *os << b.name;
}

class AgentBadOfferTest : public AgentRotationTest,
                          public ::testing::WithParamInterface<BadOffer> {};

TEST_P(AgentBadOfferTest, IsRejectedWithoutInstallingAnything) {
  to_requesting(1, kAgentSpi);
  GenerationOffer o = offer(1, kAgentSpi, kEdgeSpi);
  GenerationKeys k = keys_of(0x10);
  GetParam().spoil(o, k);
  feed(OfferReceived{1, o, std::move(k)});
  EXPECT_EQ(first_of<UpdateSa>(last_), nullptr);
  EXPECT_EQ(first_of<AddSa>(last_), nullptr);
  EXPECT_EQ(first_of<CloseConnection>(last_)->conn, 1U);
  // The reserved SPI is given back and the next endpoint is tried at once.
  const DeleteSa* larval = first_of<DeleteSa>(last_);
  ASSERT_NE(larval, nullptr);
  EXPECT_EQ(larval->id.spi, kAgentSpi);
  const Connect* next = first_of<Connect>(last_);
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->endpoint, 1U);
  EXPECT_NE(agent_.status().last_error.find("invalid offer"), std::string::npos)
      << agent_.status().last_error;
  EXPECT_EQ(agent_.generation(), 0U);
}

INSTANTIATE_TEST_SUITE_P(
    Offers, AgentBadOfferTest,
    ::testing::Values(
        BadOffer{"other_agent_spi", [](GenerationOffer& o, GenerationKeys&) { o.agent_spi += 1; }},
        BadOffer{"generation_zero", [](GenerationOffer& o, GenerationKeys&) { o.generation = 0; }},
        BadOffer{"reserved_edge_spi", [](GenerationOffer& o, GenerationKeys&) { o.edge_spi = 5; }},
        BadOffer{"short_key", [](GenerationOffer&,
                                 GenerationKeys& k) { k.agent_to_edge = core::SecureBytes(16); }},
        BadOffer{
            "other_edge_address",
            [](GenerationOffer& o, GenerationKeys&) { o.tunnel.edge_address = ip("203.0.113.9"); }},
        BadOffer{"other_if_id", [](GenerationOffer& o, GenerationKeys&) { o.tunnel.if_id = 9; }},
        BadOffer{"soft_above_hard",
                 [](GenerationOffer& o, GenerationKeys&) { o.lifetime.soft_add = 2000s; }}),
    [](const ::testing::TestParamInfo<BadOffer>& i) { return std::string(i.param.name); });

TEST_F(AgentRotationTest, RefusalFailsTheAttemptAndTriesTheNextEndpoint) {
  to_requesting(1, kAgentSpi);
  feed(RefusalReceived{1, {RefusalCode::busy, "another exchange"}});
  EXPECT_NE(first_of<Connect>(last_), nullptr);
  EXPECT_NE(agent_.status().last_error.find("refused by the edge"), std::string::npos);
}

// The edge's Retry-After (a `busy` over a site limit): no other endpoint in this round, no
// attempt before the time it asked for, and never longer than retry_max.
TEST_F(AgentRotationTest, BusyWithRetryAfterWaitsThatLongAndTriesNoOtherEndpoint) {
  to_requesting(1, kAgentSpi);
  feed(RefusalReceived{1, {RefusalCode::busy, "rate", 5s}});
  EXPECT_EQ(first_of<Connect>(last_), nullptr);
  if (first_of<DeleteSa>(last_) != nullptr) ok();  // the larval SA of the attempt
  const WakeAt* wake = first_of<WakeAt>(last_);
  ASSERT_NE(wake, nullptr);
  const TimePoint at = wake->at;
  EXPECT_GE(at - now_, 5s);
  EXPECT_LE(at - now_, 5s + 5s / 4);
  now_ = at - 1ms;
  feed(Tick{});
  EXPECT_EQ(first_of<Connect>(last_), nullptr);
  now_ = at;
  feed(Tick{});
  ASSERT_NE(first_of<Connect>(last_), nullptr);
  EXPECT_EQ(first_of<Connect>(last_)->endpoint, 0U);
}

TEST_F(AgentRotationTest, RetryAfterIsHonouredOnlyUpToRetryMax) {
  to_requesting(1, kAgentSpi);
  feed(RefusalReceived{1, {RefusalCode::busy, "outstanding", 3600s}});
  if (first_of<DeleteSa>(last_) != nullptr) ok();
  ASSERT_NE(first_of<WakeAt>(last_), nullptr);
  EXPECT_EQ(first_of<WakeAt>(last_)->at - now_, 8s);  // retry_max, not an hour
}

TEST_F(AgentRotationTest, BusyAnswerToAnAcknowledgementIsRepeatedNoEarlierThanRetryAfter) {
  rotate(1, 1, kAgentSpi, kEdgeSpi, 0);
  feed(RefusalReceived{1, {RefusalCode::busy, "shutting down", 6s}});
  now_ += 6s - 1ms;
  feed(Tick{});
  EXPECT_EQ(first_of<Connect>(last_), nullptr);
  now_ += 1500ms + 1ms;  // the most jitter: a quarter of it
  feed(Tick{});
  EXPECT_NE(first_of<Connect>(last_), nullptr);
}

TEST_F(AgentRotationTest, BackoffGrowsExponentiallyWithJitterUpToTheCap) {
  AgentRotation agent(config(1), [this] { return rng_(); });
  last_ = agent.start(std::nullopt, {}, now_);
  ConnectionId conn = 1;
  for (const auto cap : {1s, 2s, 4s, 8s, 8s, 8s}) {
    last_ = agent.handle(ConnectFailed{conn, core::make_error(errc::unreachable)}, now_);
    const WakeAt* wake = first_of<WakeAt>(last_);
    ASSERT_NE(wake, nullptr);
    EXPECT_GE(wake->at - now_, cap / 2);
    EXPECT_LE(wake->at - now_, cap);
    EXPECT_EQ(agent.status().state, "edge unreachable, retrying");
    EXPECT_FALSE(agent.status().edge_reachable);
    EXPECT_EQ(first_of<Connect>(last_), nullptr);
    now_ = wake->at;
    last_ = agent.handle(Tick{}, now_);
    const Connect* c = first_of<Connect>(last_);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->endpoint, 0U);
    conn = c->conn;
  }
  EXPECT_EQ(agent.status().consecutive_failures, 6U);
  EXPECT_FALSE(agent.status().edge_reachable);  // until an attempt succeeds
}

TEST_F(AgentRotationTest, ExchangeTimesOut) {
  to_requesting(1, kAgentSpi);
  now_ += 10s;
  feed(Tick{});
  EXPECT_NE(first_of<Connect>(last_), nullptr);
  EXPECT_NE(agent_.status().last_error.find("timed out"), std::string::npos);
}

TEST_F(AgentRotationTest, SoftExpiryOfTheCurrentSaRotatesEarly) {
  rotate(1, 1, kAgentSpi, kEdgeSpi, 0);
  now_ += 60s;
  xfrm::ExpireEvent e{{kEdge, kEdgeSpi, xfrm::Proto::esp, 0, 0}, kAgent, kReqid, 0, false, true};
  feed(KernelEvent{e});
  EXPECT_TRUE(noted(last_, "rotating early: soft expiry of the outbound SA of generation 1"));
  EXPECT_NE(first_of<Connect>(last_), nullptr);
}

TEST_F(AgentRotationTest, HardExpiryOfTheCurrentOutboundIsReportedAndRotates) {
  rotate(1, 1, kAgentSpi, kEdgeSpi, 0);
  now_ += 60s;
  xfrm::ExpireEvent e{{kEdge, kEdgeSpi, xfrm::Proto::esp, 0, 0}, kAgent, kReqid, 0, true, true};
  feed(KernelEvent{e});
  EXPECT_NE(first_of<Connect>(last_), nullptr);
  const RotationStatus s = agent_.status();
  EXPECT_EQ(s.outbound_spi, 0U);
  EXPECT_EQ(s.generation, 1U);  // still what the next request reports
  EXPECT_NE(s.last_error.find("hard-expired"), std::string::npos);
}

TEST_F(AgentRotationTest, LarvalSpiExpiringWhileRequestingStartsOverWithANewSpi) {
  to_requesting(1, kAgentSpi);
  xfrm::ExpireEvent e{{kAgent, kAgentSpi, xfrm::Proto::esp, 0, 0}, kEdge, kReqid, 0, true, true};
  feed(KernelEvent{e});
  EXPECT_EQ(first_of<CloseConnection>(last_)->conn, 1U);
  const Connect* c = first_of<Connect>(last_);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->endpoint, 0U);  // the same endpoint: nothing is wrong with it
  EXPECT_EQ(agent_.status().consecutive_failures, 0U);
}

TEST_F(AgentRotationTest, OfferForAnotherConnectionOrARepeatIsIgnored) {
  rotate(1, 1, kAgentSpi, kEdgeSpi, 0);
  feed(OfferReceived{1, offer(1, kAgentSpi, kEdgeSpi), keys_of(0x10)});
  EXPECT_FALSE(has_kernel_change(last_));
  EXPECT_EQ(first_of<SendAck>(last_), nullptr);
  feed(OfferReceived{9, offer(5, 0x5555, 0x6666), keys_of(0x30)});
  EXPECT_FALSE(has_kernel_change(last_));
  EXPECT_EQ(agent_.generation(), 1U);
}

TEST_F(AgentRotationTest, ResultOfAnotherStepIsIgnored) {
  last_ = agent_.start(std::nullopt, {}, now_);
  feed(Connected{1});
  const StepId id = step();
  feed(SpiAllocated{id + 100, kAgentSpi});
  EXPECT_EQ(first_of<SendRequest>(last_), nullptr);
  feed(SpiAllocated{id, kAgentSpi});
  EXPECT_NE(first_of<SendRequest>(last_), nullptr);
}

TEST_F(AgentRotationTest, ConnectionLostAfterTheOfferStillCompletesTheRotation) {
  to_requesting(1, kAgentSpi);
  feed(OfferReceived{1, offer(1, kAgentSpi, kEdgeSpi), keys_of(0x10)});
  const StepId inbound = step();
  feed(ConnectionLost{1, core::make_error(errc::timeout)});  // while the inbound step runs
  EXPECT_EQ(first_of<Connect>(last_), nullptr);
  feed(KernelDone{inbound, {}});
  ASSERT_NE(first_of<AddSa>(last_), nullptr);
  ok();
  EXPECT_NE(first_of<SendAck>(last_), nullptr);  // lost on the wire; the edge heals that
  EXPECT_EQ(agent_.generation(), 1U);
}

TEST_F(AgentRotationTest, AckWithoutAnAnswerIsSentAgainOnANewConnectionUntilConfirmed) {
  rotate(1, 1, kAgentSpi, kEdgeSpi, 0);
  now_ += 9s;
  feed(Tick{});
  EXPECT_EQ(first_of<CloseConnection>(last_), nullptr);  // the answer may still come
  now_ += 1s;                                            // exchange_timeout after the ack
  feed(Tick{});
  ASSERT_NE(first_of<CloseConnection>(last_), nullptr);
  EXPECT_EQ(first_of<CloseConnection>(last_)->conn, 1U);
  EXPECT_EQ(first_of<Connect>(last_), nullptr);  // after a backoff of at most retry_initial
  now_ += 1s;
  feed(Tick{});
  const Connect* c = first_of<Connect>(last_);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->endpoint, 1U);  // the next endpoint
  const ConnectionId conn = c->conn;
  feed(Connected{conn});
  const SendAck* again = first_of<SendAck>(last_);
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(again->resend);
  EXPECT_EQ(again->conn, conn);
  EXPECT_EQ(again->ack, (GenerationAck{1, kAgentSpi, kEdgeSpi}));
  EXPECT_FALSE(has_kernel_change(last_));
  // "Not yet installed" is no confirmation either.
  feed(AckAnswered{conn, 1, false});
  now_ += 8s;
  feed(Tick{});
  ASSERT_NE(first_of<Connect>(last_), nullptr);
  const ConnectionId third = first_of<Connect>(last_)->conn;
  feed(Connected{third});
  feed(AckAnswered{third, 1, true});
  EXPECT_EQ(agent_.ledger().peer_proven(), 1U);
  now_ += 120s;
  feed(Tick{});
  EXPECT_EQ(first_of<Connect>(last_), nullptr);  // confirmed: nothing more to send
  EXPECT_EQ(agent_.generation(), 1U);
}

TEST_F(AgentRotationTest, AckTheEdgeNoLongerKnowsStartsANewRotationAtOnce) {
  rotate(1, 1, kAgentSpi, kEdgeSpi, 0);
  feed(RefusalReceived{1, {RefusalCode::generation_mismatch, "restarted"}});
  const Connect* c = first_of<Connect>(last_);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(agent_.status().state, "connecting");
  feed(Connected{c->conn});
  feed(SpiAllocated{step(), kAgentSpi + 1});
  const SendRequest* r = first_of<SendRequest>(last_);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->request.current_generation, 1U);  // the edge completes 1 or replaces it
}

TEST_F(AgentRotationTest, AckOnABrokenConnectionIsSentAgainAtOnce) {
  to_requesting(1, kAgentSpi);
  feed(OfferReceived{1, offer(1, kAgentSpi, kEdgeSpi), keys_of(0x10)});
  const StepId inbound = step();
  feed(ConnectionLost{1, core::make_error(errc::timeout)});  // the ack cannot leave on it
  feed(KernelDone{inbound, {}});
  ok();
  ASSERT_NE(first_of<SendAck>(last_), nullptr);
  const Connect* c = first_of<Connect>(last_);  // in the same breath, a new connection
  ASSERT_NE(c, nullptr);
  EXPECT_NE(c->conn, 1U);
  feed(Connected{c->conn});
  ASSERT_NE(first_of<SendAck>(last_), nullptr);
  EXPECT_TRUE(first_of<SendAck>(last_)->resend);
}

TEST_F(AgentRotationTest, CountersOfTheNewInboundSaConfirmTheAck) {
  rotate(1, 1, kAgentSpi, kEdgeSpi, 0);
  // The edge sends on 1 (its answer to the ack got lost): that is confirmation enough.
  feed(CountersRead{{kAgent, kAgentSpi, xfrm::Proto::esp, 0, 0}, std::uint64_t{3}});
  EXPECT_EQ(agent_.ledger().peer_proven(), 1U);
  now_ += 30s;
  feed(Tick{});
  EXPECT_EQ(first_of<Connect>(last_), nullptr);
}

TEST_F(AgentRotationTest, FailedOutboundAddRollsTheInboundBack) {
  to_requesting(1, kAgentSpi);
  feed(OfferReceived{1, offer(1, kAgentSpi, kEdgeSpi), keys_of(0x10)});
  ok();
  ASSERT_NE(first_of<AddSa>(last_), nullptr);
  feed(KernelDone{step(), core::make_error(xfrm::errc::rejected)});
  const DeleteSa* undo = first_of<DeleteSa>(last_);
  ASSERT_NE(undo, nullptr);
  EXPECT_EQ(undo->id.spi, kAgentSpi);
  EXPECT_EQ(first_of<SendAck>(last_), nullptr);
  ok();
  EXPECT_EQ(agent_.generation(), 0U);
  EXPECT_EQ(agent_.saved_state().sas.size(), 0U);
  EXPECT_NE(first_of<Connect>(last_), nullptr);  // next endpoint
}

TEST_F(AgentRotationTest, ReconcileAdoptsWhatTheStateNamesAndRemovesTheRest) {
  using D = xfrm::SaDirection;
  const AgentState saved{2,
                         {{1, D::in, 0x1001},
                          {1, D::out, 0x2001},
                          {2, D::in, 0x1002},
                          {2, D::out, 0x2002},
                          {3, D::in, 0x1003}}};
  const std::vector<xfrm::SaState> kernel{
      owned_sa(kEdge, kAgent, 0x1001, D::in), owned_sa(kAgent, kEdge, 0x2001, D::out),
      owned_sa(kEdge, kAgent, 0x1002, D::in), owned_sa(kAgent, kEdge, 0x2002, D::out),
      owned_sa(kEdge, kAgent, 0x1003, D::in), owned_sa(kEdge, kAgent, 0x1004, D::in, kReqid, true),
      owned_sa(kEdge, kAgent, 0x1005, D::in), owned_sa(kEdge, kAgent, 0x1006, D::in, 7)};
  last_ = agent_.start(saved, kernel, now_);
  EXPECT_EQ(agent_.generation(), 2U);
  EXPECT_EQ(agent_.status().outbound_spi, 0x2002U);
  EXPECT_EQ(agent_.status().inbound_spi, 0x1002U);
  EXPECT_NE(first_of<Connect>(last_), nullptr);  // rotates at once
  std::vector<std::uint32_t> deleted;
  for (int i = 0; i < 10 && first_of<DeleteSa>(last_) != nullptr; ++i) {
    deleted.push_back(first_of<DeleteSa>(last_)->id.spi);
    ok();
  }
  std::sort(deleted.begin(), deleted.end());
  // The older outbound, an inbound above the outbound generation, the larval and the
  // unknown SA; the foreign one (reqid 7) stays.
  EXPECT_EQ(deleted, (std::vector<std::uint32_t>{0x1003, 0x1004, 0x1005, 0x2001}));
  EXPECT_EQ(agent_.saved_state().sas,
            (std::vector<SaRecord>{{1, D::in, 0x1001}, {2, D::in, 0x1002}, {2, D::out, 0x2002}}));
}

}  // namespace
}  // namespace pqbranch::rotation

namespace pqbranch::rotation {
namespace {

class AgentRotateNowTest : public AgentMachineFixture {
 protected:
  AgentRotateNowTest() : AgentMachineFixture(config(3), 7) {}
  // A whole first rotation via endpoint 0: the agent is then idle until the interval.
  void rotated() {
    rotate(1, 1, kAgentSpi, kEdgeSpi);
    ASSERT_EQ(agent_.status().state, "idle");
  }
};

TEST_F(AgentRotateNowTest, RotateNowWhileIdleConnectsAtOnceToTheFirstEndpoint) {
  rotated();
  now_ += 5s;
  feed(RotateNow{"tunnel down", false});
  const Connect* c = first_of<Connect>(last_);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->endpoint, 0U);
}

TEST_F(AgentRotateNowTest, FailoverStartsAtTheNextEndpointAndLaterRotationsStayThere) {
  rotated();
  feed(RotateNow{"tunnel down for 1m", true});
  const Connect* c = first_of<Connect>(last_);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->endpoint, 1U);
  // That attempt fails: the round goes on to 2, then wraps to 0, and ends before 1 again.
  feed(ConnectFailed{c->conn, core::make_error(errc::unreachable)});
  ASSERT_NE(first_of<Connect>(last_), nullptr);
  EXPECT_EQ(first_of<Connect>(last_)->endpoint, 2U);
  feed(ConnectFailed{first_of<Connect>(last_)->conn, core::make_error(errc::unreachable)});
  ASSERT_NE(first_of<Connect>(last_), nullptr);
  EXPECT_EQ(first_of<Connect>(last_)->endpoint, 0U);
  feed(ConnectFailed{first_of<Connect>(last_)->conn, core::make_error(errc::unreachable)});
  EXPECT_EQ(first_of<Connect>(last_), nullptr);
  EXPECT_EQ(agent_.status().state, "edge unreachable, retrying");
  // The retry after the backoff starts the round at endpoint 1 again.
  now_ += 10s;
  feed(Tick{});
  ASSERT_NE(first_of<Connect>(last_), nullptr);
  EXPECT_EQ(first_of<Connect>(last_)->endpoint, 1U);
}

TEST_F(AgentRotateNowTest, RotateNowDuringAnExchangeStartsNothingNew) {
  last_ = agent_.start(std::nullopt, {}, now_);
  ASSERT_NE(first_of<Connect>(last_), nullptr);
  feed(RotateNow{"tunnel down", true});
  EXPECT_EQ(first_of<Connect>(last_), nullptr);
  EXPECT_EQ(agent_.status().state, "connecting");
}

TEST_F(AgentRotateNowTest, RotateNowInBackoffRetriesAtOnce) {
  last_ = agent_.start(std::nullopt, {}, now_);
  for (int i = 0; i < 3; ++i)
    feed(ConnectFailed{first_of<Connect>(last_)->conn, core::make_error(errc::unreachable)});
  ASSERT_EQ(agent_.status().state, "edge unreachable, retrying");
  feed(RotateNow{"tunnel down", false});
  ASSERT_NE(first_of<Connect>(last_), nullptr);
  EXPECT_EQ(first_of<Connect>(last_)->endpoint, 0U);
}

}  // namespace
}  // namespace pqbranch::rotation
