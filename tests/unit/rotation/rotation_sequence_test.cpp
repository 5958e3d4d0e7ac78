// Rotation end to end in the simulator: many consecutive rotations with the make-before-break
// invariant checked after every single action, and each message ordering of the protocol
// (lost, repeated, delayed and reordered messages).

#include <set>

#include <gtest/gtest.h>

#include "fakes/rotation_harness.hpp"
#include "harness_expect.hpp"

namespace pqbranch::rotation {
namespace {

using namespace std::chrono_literals;
using test::HarnessOptions;
using test::installed;
using test::RotationHarness;
using Msg = RotationHarness::Msg;

// Runs to generation `g` settled and checks nothing was lost on the way.
using testing::expect_clean;

using test::noted;

TEST(RotationSequence, FiftyRotationsNeverLeaveTrafficWithoutThePeersInboundSa) {
  HarnessOptions o;
  o.packet_latency_max = 1500ms;  // packets overtake each other and the acknowledgement
  RotationHarness h(o);
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s)) << h.describe();
  const std::uint64_t dropped_before_first_sa = h.dropped();
  std::set<std::uint32_t> used_out{h.agent().status().outbound_spi};
  std::set<std::uint32_t> used_in{h.agent().status().inbound_spi};
  for (Generation g = 2; g <= 51; ++g) {
    ASSERT_TRUE(h.run_until_generation(g, 90s)) << "generation " << g << "\n" << h.describe();
    const RotationStatus s = h.agent().status();
    EXPECT_EQ(s.generation, g);
    EXPECT_EQ(h.edge().generation(), g);
    // A new SPI every generation, none used before (random draws; test seeds are fixed).
    EXPECT_TRUE(used_out.insert(s.outbound_spi).second) << s.outbound_spi;
    EXPECT_TRUE(used_in.insert(s.inbound_spi).second) << s.inbound_spi;
    EXPECT_EQ(installed(h.agent_kernel(), xfrm::SaDirection::out).size(), 1U);
    EXPECT_EQ(installed(h.edge_kernel(), xfrm::SaDirection::out).size(), 1U);
  }
  expect_clean(h);
  EXPECT_LE(h.max_inbound_seen(), 2U);
  EXPECT_EQ(h.dropped(), dropped_before_first_sa);
  EXPECT_GT(h.delivered(), 50'000U);
  EXPECT_EQ(h.acks_sent(), 51U);
  EXPECT_EQ(h.edge().saved_state().last_issued, 51U);  // no generation number wasted
}

TEST(RotationSequence, RotationHappensAtTheIntervalWithJitter) {
  HarnessOptions o;
  o.interval = 60s;
  o.jitter = 10s;
  RotationHarness h(o);
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s));
  for (Generation g = 2; g <= 6; ++g) {
    const auto before = h.now();
    ASSERT_TRUE(h.run_until([&] { return h.agent().generation() == g; }, 90s));
    const auto took = h.now() - before;
    EXPECT_GE(took, 55s);  // interval minus the settling time of the previous rotation
    EXPECT_LE(took, 71s);
  }
  expect_clean(h);
}

TEST(RotationSequence, LostAckHealsThroughTheInboundCounters) {
  RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(2, 90s));
  h.drop_next(Msg::ack);
  ASSERT_TRUE(h.run_until([&] { return h.agent().generation() == 3; }, 90s));
  EXPECT_EQ(h.edge().generation(), 2U);  // no ack yet
  EXPECT_EQ(h.edge().pending(), 3U);
  // The agent's traffic on generation 3 proves it; the edge switches with the keys it kept.
  ASSERT_TRUE(h.run_until_generation(3, 10s)) << h.describe();
  EXPECT_TRUE(noted(h.edge_notes(), "agent proven on generation 3 (inbound counters moved)"));
  EXPECT_EQ(h.edge().saved_state().last_issued, 3U);
  ASSERT_TRUE(h.run_until_generation(4, 90s));
  expect_clean(h);
}

TEST(RotationSequence, LostAckWithoutTrafficIsRepeatedAndHealsBeforeTheNextRotation) {
  HarnessOptions o;
  o.traffic = false;
  o.interval = 3600s;
  RotationHarness h(o);
  h.start();
  ASSERT_TRUE(
      h.run_until([&] { return h.agent().generation() == 1 && h.edge().generation() == 1; }, 10s));
  h.drop_next(Msg::ack);
  h.restart_agent();  // rotates at once
  ASSERT_TRUE(h.run_until([&] { return h.agent().generation() == 2; }, 10s));
  EXPECT_EQ(h.edge().pending(), 2U);
  // No answer within exchange_timeout: the ack goes again on a new connection.
  ASSERT_TRUE(h.run_until([&] { return h.edge().generation() == 2; }, 10s)) << h.describe();
  EXPECT_EQ(h.agent().generation(), 2U);
  EXPECT_TRUE(h.agent_noted("acknowledgement of generation 2 not confirmed (no answer in time)"));
  EXPECT_TRUE(noted(h.edge_notes(), "agent proven on generation 2 (acknowledgement)"));
  ASSERT_TRUE(h.run_until([&] { return h.settled(); }, 30s)) << h.describe();
  EXPECT_TRUE(h.agent_noted("edge proven on generation 2 (acknowledgement answered)"));
  expect_clean(h);
}

TEST(RotationSequence, AcksThatNeverArriveHealWithTheNextRequest) {
  HarnessOptions o;
  o.traffic = false;
  RotationHarness h(o);
  h.start();
  ASSERT_TRUE(
      h.run_until([&] { return h.agent().generation() == 1 && h.edge().generation() == 1; }, 10s));
  h.drop_next(Msg::ack, 1000);  // the first and every repeat
  ASSERT_TRUE(h.run_until([&] { return h.agent().generation() == 2; }, 90s));
  h.run_for(30s);
  EXPECT_EQ(h.edge().generation(), 1U);  // nothing proves the agent moved
  EXPECT_EQ(h.edge().pending(), 2U);
  EXPECT_GE(h.acks_sent(), 4U);  // the agent kept repeating it
  // The next request says current_generation = 2: the edge promotes 2 before offering 3.
  ASSERT_TRUE(h.run_until([&] { return h.agent().generation() == 3; }, 90s));
  EXPECT_TRUE(noted(h.edge_notes(), "agent proven on generation 2 (request)"));
  EXPECT_TRUE(noted(h.edge_notes(), "sending on generation 2"));
  h.heal(Msg::ack);  // the next repeat of the ack of 3 gets through
  ASSERT_TRUE(h.run_until([&] { return h.edge().generation() == 3; }, 30s));
  EXPECT_EQ(h.edge().saved_state().last_issued, 3U);
  expect_clean(h);
}

TEST(RotationSequence, RepeatedRequestGetsTheSameOfferAndInstallsNothingTwice) {
  RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s));
  h.duplicate_next(Msg::request);
  ASSERT_TRUE(h.run_until_generation(2, 90s)) << h.describe();
  h.run_for(5s);
  EXPECT_EQ(h.edge().saved_state().last_issued, 2U);  // one generation for both copies
  EXPECT_EQ(h.acks_sent(), 2U);
  EXPECT_EQ(h.agent().generation(), 2U);
  EXPECT_TRUE(noted(h.edge_notes(), "repeated request: offering generation 2 again"));
  ASSERT_TRUE(h.run_until_generation(3, 90s));
  expect_clean(h);
}

TEST(RotationSequence, DuplicatedOfferAndAckAreNoOps) {
  RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s));
  h.duplicate_next(Msg::offer);
  h.duplicate_next(Msg::ack);
  ASSERT_TRUE(h.run_until_generation(2, 90s)) << h.describe();
  h.run_for(5s);
  EXPECT_TRUE(h.settled());
  EXPECT_EQ(h.edge().saved_state().last_issued, 2U);
  ASSERT_TRUE(h.run_until_generation(3, 90s));
  expect_clean(h);
}

TEST(RotationSequence, LostOfferAbandonsThatGenerationAndIssuesTheNext) {
  RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s));
  h.drop_next(Msg::offer);
  // The agent times out, tries the second endpoint; the edge never reuses generation 2.
  ASSERT_TRUE(h.run_until_generation(3, 90s)) << h.describe();
  EXPECT_TRUE(noted(h.edge_notes(), "generation 2 abandoned"));
  EXPECT_TRUE(h.agent_noted("timed out"));
  EXPECT_EQ(h.acks_sent(), 2U);
  ASSERT_TRUE(h.run_until_generation(4, 90s));
  expect_clean(h);
}

TEST(RotationSequence, AckArrivingAfterTheNextRequestIsANoOp) {
  RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s));
  h.delay_next(Msg::ack, 80s);                                  // overtaken by the next request
  ASSERT_TRUE(h.run_until_generation(2, 90s)) << h.describe();  // counters promote it
  ASSERT_TRUE(h.run_until_generation(3, 90s)) << h.describe();
  h.run_for(30s);  // the stale ack of generation 2 arrives now
  EXPECT_TRUE(h.settled()) << h.describe();
  EXPECT_EQ(h.edge().generation(), 3U);
  ASSERT_TRUE(h.run_until_generation(4, 90s));
  expect_clean(h);
}

TEST(RotationSequence, StaleRequestArrivingLateNeverRemovesWhatTheAgentUses) {
  RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s));
  h.delay_next(Msg::request, 7s);  // past the exchange timeout: the agent moves on
  ASSERT_TRUE(h.run_until([&] { return h.agent().generation() >= 2; }, 90s)) << h.describe();
  h.run_for(10s);  // the stale request arrives and is answered on a closed connection
  ASSERT_TRUE(h.run_until_generation(h.agent().generation() + 1, 90s)) << h.describe();
  ASSERT_TRUE(h.run_until_generation(h.agent().generation() + 1, 90s)) << h.describe();
  expect_clean(h);
}

TEST(RotationSequence, NatTraversalInstallsEncapsulationOnBothSides) {
  HarnessOptions o;
  o.nat = NatMapping{core::IpAddress::parse("203.0.113.7").value(), 40000};
  RotationHarness h(o);
  h.start();
  ASSERT_TRUE(h.run_until_generation(2, 90s)) << h.describe();
  const auto edge_out = installed(h.edge_kernel(), xfrm::SaDirection::out);
  ASSERT_EQ(edge_out.size(), 1U);
  EXPECT_EQ(edge_out[0].dst, o.nat->address);
  ASSERT_TRUE(edge_out[0].encap);
  EXPECT_EQ(edge_out[0].encap->src_port, xfrm::kNatTPort);
  EXPECT_EQ(edge_out[0].encap->dst_port, 40000);
  const auto edge_in = installed(h.edge_kernel(), xfrm::SaDirection::in);
  ASSERT_TRUE(edge_in[0].encap);
  EXPECT_EQ(edge_in[0].encap->src_port, 40000);  // arriving packets: agent's port -> ours
  const auto agent_out = installed(h.agent_kernel(), xfrm::SaDirection::out);
  ASSERT_TRUE(agent_out[0].encap);
  EXPECT_EQ(agent_out[0].encap->src_port, xfrm::kNatTPort);
  EXPECT_EQ(agent_out[0].encap->dst_port, xfrm::kNatTPort);
  expect_clean(h);
}

}  // namespace
}  // namespace pqbranch::rotation
