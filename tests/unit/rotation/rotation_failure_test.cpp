// Failures in the simulator: an unreachable edge, endpoint failover, lifetimes running out,
// kernel steps that fail half-way, expired larval SAs, and the rule that an inbound SA goes
// only after proof plus grace.

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fakes/rotation_harness.hpp"
#include "harness_expect.hpp"

namespace pqbranch::rotation {
namespace {

using namespace std::chrono_literals;
using test::FakeKernel;
using test::HarnessOptions;
using test::installed;
using test::RotationHarness;
using Msg = RotationHarness::Msg;
using Op = FakeKernel::Op;

using test::noted;

using testing::expect_clean;

// Times at which a new round of attempts began (a connect to the first endpoint).
std::vector<RotationHarness::TimePoint> round_starts(const RotationHarness& h,
                                                     RotationHarness::TimePoint from) {
  std::vector<RotationHarness::TimePoint> out;
  for (const auto& [at, endpoint] : h.connects()) {
    if (at >= from && endpoint == 0) out.push_back(at);
  }
  return out;
}

TEST(RotationFailure, EdgeDownLongerThanTheIntervalRetriesWithBackoffThenRecovers) {
  RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s));
  const auto outage = h.now();
  const std::uint64_t dropped = h.dropped();
  h.set_endpoint_up(0, false);
  h.set_endpoint_up(1, false);
  h.run_for(150s);  // more than two rotation intervals

  const RotationStatus s = h.agent().status();
  EXPECT_EQ(s.state, "edge unreachable, retrying");
  EXPECT_FALSE(s.edge_reachable);
  EXPECT_GE(s.consecutive_failures, 4U);
  EXPECT_NE(s.last_error.find("connect to endpoint 1"), std::string::npos) << s.last_error;
  ASSERT_TRUE(s.next_rotation);
  EXPECT_TRUE(h.agent_noted("edge unreachable, retrying in"));
  EXPECT_EQ(s.generation, 1U);  // generation 1 keeps carrying traffic meanwhile
  EXPECT_EQ(h.dropped(), dropped);

  // Exponential backoff with jitter: the pause between rounds grows to the cap.
  const auto starts = round_starts(h, outage);
  ASSERT_GE(starts.size(), 5U);
  std::vector<RotationHarness::Duration> gaps;
  for (std::size_t i = 1; i < starts.size(); ++i)
    gaps.push_back(starts[i] - starts[i - 1]);
  EXPECT_LT(gaps.front(), 3s);
  EXPECT_GT(*std::max_element(gaps.begin(), gaps.end()), 8s);
  for (const auto gap : gaps)
    EXPECT_LE(gap, 16s + 2s);     // cap + two failed connects
  EXPECT_LT(starts.size(), 20U);  // not a tight loop

  h.set_endpoint_up(0, true);
  h.set_endpoint_up(1, true);
  ASSERT_TRUE(h.run_until_generation(2, 20s)) << h.describe();
  const RotationStatus after = h.agent().status();
  EXPECT_TRUE(after.edge_reachable);
  EXPECT_EQ(after.consecutive_failures, 0U);
  EXPECT_TRUE(after.last_error.empty());
  expect_clean(h);
}

TEST(RotationFailure, SecondEndpointTakesOverWhenTheFirstFails) {
  RotationHarness h;
  h.set_endpoint_up(0, false);
  h.start();
  ASSERT_TRUE(h.run_until_generation(3, 150s)) << h.describe();
  // Every round tries endpoint 0 first, then endpoint 1 right away (no backoff).
  std::size_t to_first = 0;
  std::size_t to_second = 0;
  for (std::size_t i = 0; i < h.connects().size(); ++i) {
    const auto& [at, endpoint] = h.connects()[i];
    if (endpoint == 0) {
      ++to_first;
      ASSERT_LT(i + 1, h.connects().size());
      EXPECT_EQ(h.connects()[i + 1].second, 1U);
      EXPECT_LE(h.connects()[i + 1].first - at, 1s);
    } else {
      ++to_second;
    }
  }
  EXPECT_EQ(to_first, 3U);
  EXPECT_EQ(to_second, 3U);
  EXPECT_FALSE(h.agent_noted("edge unreachable"));
  expect_clean(h);
}

TEST(RotationFailure, EndpointFailingMidExchangeHandsOverToTheNext) {
  RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s));
  ASSERT_TRUE(h.run_until([&] { return h.agent().status().state == "requesting"; }, 90s));
  h.set_endpoint_up(0, false);  // the open connection breaks
  ASSERT_TRUE(h.run_until_generation(2, 20s)) << h.describe();
  EXPECT_EQ(h.connects().back().second, 1U);
  EXPECT_TRUE(h.agent_noted("connection to endpoint 0 lost"));
  expect_clean(h);
}

TEST(RotationFailure, SoftExpiryTriggersRotationBeforeTheInterval) {
  HarnessOptions o;
  o.interval = 600s;
  o.soft_lifetime = 30s;
  o.hard_lifetime = 60s;
  RotationHarness h(o);
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s));
  const auto t1 = h.now();
  ASSERT_TRUE(h.run_until_generation(2, 40s)) << h.describe();
  EXPECT_GE(h.now() - t1, 29s);
  EXPECT_TRUE(h.agent_noted("rotating early: soft expiry of the"));
  ASSERT_TRUE(h.run_until_generation(4, 80s)) << h.describe();
  expect_clean(h);
}

TEST(RotationFailure, HardExpiryWithTheEdgeUnreachableDropsTrafficUntilItReturns) {
  HarnessOptions o;
  o.interval = 600s;
  o.soft_lifetime = 40s;
  o.hard_lifetime = 60s;
  o.continuous_outbound = false;
  RotationHarness h(o);
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s));
  h.set_endpoint_up(0, false);
  h.set_endpoint_up(1, false);
  const std::uint64_t dropped = h.dropped();
  h.run_for(70s);
  // The SAs are gone, nothing is sent (the policies stay: the machines have no action that
  // removes one); the agent keeps retrying and says why.
  EXPECT_TRUE(installed(h.agent_kernel(), xfrm::SaDirection::out).empty());
  EXPECT_TRUE(installed(h.edge_kernel(), xfrm::SaDirection::out).empty());
  EXPECT_GT(h.dropped(), dropped + 50);
  EXPECT_TRUE(h.agent_noted("hard-expired: traffic is dropped (policies stay)"));
  EXPECT_EQ(h.agent().status().state, "edge unreachable, retrying");
  EXPECT_EQ(h.agent().status().outbound_spi, 0U);
  expect_clean(h);  // nothing was lost in flight: inbound SAs outlive outbound ones

  h.set_endpoint_up(0, true);
  h.set_endpoint_up(1, true);
  ASSERT_TRUE(h.run_until_generation(2, 30s)) << h.describe();
  const std::uint64_t delivered = h.delivered();
  const std::uint64_t dropped_after = h.dropped();
  h.run_for(5s);
  EXPECT_GT(h.delivered(), delivered + 50);
  EXPECT_EQ(h.dropped(), dropped_after);
  expect_clean(h);
}

TEST(RotationFailure, FailedOutboundAddRollsBackAndKeepsTheOldGeneration) {
  RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(2, 90s));
  const std::uint32_t out2 = h.agent().status().outbound_spi;
  h.agent_kernel().fail_nth(Op::add_sa, 1, EINVAL);
  ASSERT_TRUE(h.run_until([&] { return h.agent_noted("rolling back"); }, 90s));
  // The inbound SA of the failed generation is gone again; generation 2 untouched.
  EXPECT_EQ(h.agent().generation(), 2U);
  EXPECT_EQ(installed(h.agent_kernel(), xfrm::SaDirection::in).size(), 1U);
  ASSERT_EQ(installed(h.agent_kernel(), xfrm::SaDirection::out).size(), 1U);
  EXPECT_EQ(installed(h.agent_kernel(), xfrm::SaDirection::out)[0].spi, out2);
  // The next attempt (next endpoint) brings a fresh generation; 3 is never used.
  ASSERT_TRUE(h.run_until_generation(4, 30s)) << h.describe();
  EXPECT_EQ(h.edge().saved_state().last_issued, 4U);
  expect_clean(h);
}

TEST(RotationFailure, FailedInboundCompletionRemovesTheLarvalSaAndRetries) {
  RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s));
  h.agent_kernel().fail_nth(Op::update_sa, 1, EINVAL);
  ASSERT_TRUE(h.run_until_generation(3, 90s)) << h.describe();  // settled: no larval left
  EXPECT_TRUE(h.agent_noted("install inbound SA of generation 2"));
  expect_clean(h);
}

TEST(RotationFailure, FailedDeleteOfTheOldOutboundGoesForwardWithoutAcknowledging) {
  for (const bool oldest_on_tie : {false, true}) {
    SCOPED_TRACE(oldest_on_tie ? "kernel picks the oldest on a tie" : "newest on a tie");
    HarnessOptions o;
    o.strict_invariant = false;  // the stale SA exists for a while; traffic never uses it unsafely
    o.prefer_oldest_on_tie = oldest_on_tie;
    RotationHarness h(o);
    h.start();
    ASSERT_TRUE(h.run_until_generation(2, 90s));
    const std::size_t acks = h.acks_sent();
    h.agent_kernel().fail_nth(Op::delete_sa, 1, EINVAL);  // the old outbound
    ASSERT_TRUE(h.run_until([&] { return h.agent().generation() == 3; }, 90s));
    EXPECT_EQ(h.acks_sent(), acks);  // no acknowledgement while the old SA remains
    EXPECT_TRUE(h.agent_noted("delete outbound SA of generation 2 failed, will retry"));
    // The retried delete and the edge's own evidence finish the rotation.
    ASSERT_TRUE(h.run_until_generation(3, 20s)) << h.describe();
    ASSERT_TRUE(h.run_until_generation(4, 90s)) << h.describe();
    expect_clean(h);
  }
}

TEST(RotationFailure, EdgeFailingToInstallItsInboundSaRefusesAndTheAgentRetries) {
  RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s));
  h.edge_kernel().fail_nth(Op::update_sa, 1, EINVAL);
  ASSERT_TRUE(h.run_until_generation(3, 90s)) << h.describe();
  EXPECT_TRUE(h.agent_noted("refused by the edge"));
  EXPECT_TRUE(noted(h.edge_notes(), "exchange failed: install inbound SA of generation 2"));
  expect_clean(h);
}

TEST(RotationFailure, EdgeFailingToSwitchItsOutboundKeepsTheOldAndRetries) {
  RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s));
  h.edge_kernel().fail_nth(Op::add_sa, 1, EINVAL);
  ASSERT_TRUE(h.run_until([&] { return h.agent().generation() == 2; }, 90s));
  h.run_for(1s);
  EXPECT_EQ(h.edge().generation(), 1U);
  EXPECT_TRUE(noted(h.edge_notes(), "keeping generation 1"));
  ASSERT_TRUE(h.run_until_generation(2, 10s)) << h.describe();  // retried with the kept keys
  expect_clean(h);
}

TEST(RotationFailure, ExpiredLarvalSpiIsAllocatedAgain) {
  RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s));
  h.agent_kernel().fail_nth(Op::update_sa, 1, ESRCH);
  ASSERT_TRUE(h.run_until_generation(3, 90s)) << h.describe();
  EXPECT_TRUE(h.agent_noted("expired before completion; allocating a new one"));
  EXPECT_FALSE(h.agent_noted("edge unreachable"));  // not counted as a failed round
  expect_clean(h);
}

TEST(RotationFailure, LarvalSpiExpiringWhileTheOfferIsDelayedIsAllocatedAgain) {
  HarnessOptions o;
  o.exchange_timeout = 60s;
  RotationHarness h(o);
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s));
  h.delay_next(Msg::offer, 35s);  // past the kernel's 30 s larval lifetime
  ASSERT_TRUE(h.run_until_generation(3, 150s)) << h.describe();
  EXPECT_TRUE(h.agent_noted("expired before completion; allocating a new one"));
  expect_clean(h);
}

TEST(RotationFailure, InboundSaIsRetiredOnlyAfterProofAndGraceNeverOnATimerAlone) {
  HarnessOptions o;
  o.traffic = false;
  o.interval = 3600s;
  o.soft_lifetime = 0s;  // no lifetimes: nothing but proof may remove an SA
  o.hard_lifetime = 0s;
  o.grace = 5s;
  RotationHarness h(o);
  // The edge's answers to acks (which prove it on the generation) never reach the agent.
  h.drop_next(Msg::ack_answer, 1000);
  h.start();
  ASSERT_TRUE(h.run_until([&] { return h.edge().generation() == 1; }, 10s));
  // One rotation, driven by restarting the agent (it rotates at once).
  h.restart_agent();
  ASSERT_TRUE(h.run_until([&] { return h.edge().generation() == 2; }, 10s));
  // The edge got the acknowledgement (proof) and retires its inbound 1 after the grace.
  const auto proof = h.now();
  EXPECT_TRUE(noted(h.edge_notes(), "agent proven on generation 2 (acknowledgement)"));
  h.run_until([&] { return h.now() >= proof + 4s; }, 5s);
  EXPECT_EQ(installed(h.edge_kernel(), xfrm::SaDirection::in).size(), 2U);
  h.run_for(2s);
  EXPECT_EQ(installed(h.edge_kernel(), xfrm::SaDirection::in).size(), 1U);

  // The agent has no proof that the edge sends on 2 (it keeps repeating the ack, whose
  // answers are lost): a long time changes nothing.
  h.run_for(600s);
  EXPECT_EQ(installed(h.agent_kernel(), xfrm::SaDirection::in).size(), 2U);
  // Traffic from the edge on generation 2 is the proof; then the grace period still runs.
  h.set_traffic(true);
  ASSERT_TRUE(h.run_until([&] { return h.agent_noted("edge proven on generation 2"); }, 3s));
  const auto agent_proof = h.now();
  h.run_until([&] { return h.now() >= agent_proof + 4s; }, 5s);
  EXPECT_EQ(installed(h.agent_kernel(), xfrm::SaDirection::in).size(), 2U);
  h.run_for(2s);
  EXPECT_EQ(installed(h.agent_kernel(), xfrm::SaDirection::in).size(), 1U);
  EXPECT_TRUE(h.settled()) << h.describe();
  expect_clean(h);
}

}  // namespace
}  // namespace pqbranch::rotation
