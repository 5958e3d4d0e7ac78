// Restarts in the simulator: the agent or the edge crashes right after each single action of
// a rotation and restarts from its saved state and what its kernel still holds. Every case
// must converge to one consistent generation without losing a packet.

#include <string>

#include <gtest/gtest.h>

#include "pqbranch/xfrm/errc.hpp"

#include "fakes/rotation_harness.hpp"

namespace pqbranch::rotation {
namespace {

using namespace std::chrono_literals;
using test::HarnessOptions;
using test::RotationHarness;
using Msg = RotationHarness::Msg;

using test::noted;

// How many actions a side performs from one settled generation to the next.
template <class Count>
std::size_t actions_per_rotation(Count count) {
  RotationHarness h;
  h.start();
  EXPECT_TRUE(h.run_until_generation(2, 90s));
  const std::size_t before = count(h);
  EXPECT_TRUE(h.run_until_generation(3, 90s));
  return count(h) - before;
}

TEST(RotationRestart, AgentCrashAfterEachStepConverges) {
  const std::size_t steps =
      actions_per_rotation([](RotationHarness& h) { return h.agent_actions(); });
  ASSERT_GT(steps, 10U);
  for (std::size_t k = 1; k <= steps; ++k) {
    SCOPED_TRACE("agent crashes after action " + std::to_string(k) + " of the rotation");
    RotationHarness h;
    h.start();
    ASSERT_TRUE(h.run_until_generation(2, 90s));
    h.crash_agent_after(static_cast<int>(k));
    // The restarted agent rotates at once, then at its interval.
    ASSERT_TRUE(h.run_until_generation(3, 150s)) << h.describe();
    const Generation g = h.agent().generation();
    ASSERT_TRUE(h.run_until_generation(g + 1, 90s)) << h.describe();
    EXPECT_TRUE(h.violations().empty()) << h.violations().front();
    EXPECT_EQ(h.lost(), 0U);
    EXPECT_TRUE(h.agent().status().last_error.empty()) << h.agent().status().last_error;
    EXPECT_EQ(h.agent_restarts(), 1);
  }
}

TEST(RotationRestart, EdgeCrashAfterEachStepConverges) {
  const std::size_t steps =
      actions_per_rotation([](RotationHarness& h) { return h.edge_actions(); });
  ASSERT_GT(steps, 8U);
  for (std::size_t k = 1; k <= steps; ++k) {
    SCOPED_TRACE("edge crashes after action " + std::to_string(k) + " of the rotation");
    RotationHarness h;
    h.start();
    ASSERT_TRUE(h.run_until_generation(2, 90s));
    h.crash_edge_after(static_cast<int>(k));
    // Crashing after the acknowledgement arrived but before the outbound SA was switched
    // loses generation 3's outbound key: the edge keeps sending on 2 (the agent keeps that
    // inbound SA) until the next request brings generation 4, so allow one more rotation.
    ASSERT_TRUE(h.run_until_generation(3, 150s)) << h.describe();
    const Generation g = h.agent().generation();
    ASSERT_TRUE(h.run_until_generation(g + 1, 90s)) << h.describe();
    EXPECT_TRUE(h.violations().empty()) << h.violations().front();
    EXPECT_EQ(h.lost(), 0U);
    EXPECT_EQ(h.edge_restarts(), 1);
  }
}

TEST(RotationRestart, EdgeThatLostPendingKeysKeepsItsOutboundAndForcesTheNextGeneration) {
  HarnessOptions o;
  o.traffic = false;  // nothing but the next request can prove the agent moved
  RotationHarness h(o);
  h.start();
  ASSERT_TRUE(h.run_until([&] { return h.edge().generation() == 1; }, 10s));
  h.drop_next(Msg::ack);
  ASSERT_TRUE(h.run_until([&] { return h.agent().generation() == 2; }, 90s));
  h.restart_edge();  // the keys of generation 2's outbound SA are gone with the process
  EXPECT_EQ(h.edge().generation(), 1U);
  EXPECT_EQ(h.edge().pending(), 0U);
  ASSERT_TRUE(h.run_until([&] { return h.agent().generation() == 3; }, 90s)) << h.describe();
  EXPECT_TRUE(noted(h.edge_notes(), "agent proven on generation 2 (request)"));
  EXPECT_FALSE(noted(h.edge_notes(), "sending on generation 2"));  // no keys: never promoted
  ASSERT_TRUE(h.run_until([&] { return h.edge().generation() == 3; }, 5s));
  EXPECT_EQ(h.edge().saved_state().last_issued, 3U);
  h.set_traffic(true);
  ASSERT_TRUE(h.run_until([&] { return h.settled(); }, 10s)) << h.describe();
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
  EXPECT_EQ(h.lost(), 0U);
}

TEST(RotationRestart, AgentRestartAdoptsItsSasRemovesTheRestAndRotatesAtOnce) {
  RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(2, 90s));
  // Leftovers of ours the saved state does not name: an SA with our reqid, a larval SA.
  xfrm::Sa stray;
  stray.src = core::IpAddress::parse("198.51.100.1").value();
  stray.dst = core::IpAddress::parse("192.0.2.1").value();
  stray.spi = 0x0badc0de;
  stray.reqid = 0x70710001;
  stray.direction = xfrm::SaDirection::in;
  stray.aead_key = core::SecureBytes(xfrm::kAeadKeyBytes);
  ASSERT_TRUE(h.agent_kernel().add_sa(stray));
  xfrm::SpiRequest larval;
  larval.src = stray.src;
  larval.dst = stray.dst;
  larval.reqid = stray.reqid;
  ASSERT_TRUE(h.agent_kernel().allocate_spi(larval));
  // A foreign SA (another reqid) is not ours to touch.
  xfrm::Sa foreign = stray.clone();
  foreign.spi = 0x0f0f0f0f;
  foreign.reqid = 7;
  ASSERT_TRUE(h.agent_kernel().add_sa(foreign));

  const std::uint32_t out_before = h.agent().status().outbound_spi;
  h.restart_agent();
  EXPECT_EQ(h.agent().generation(), 2U);
  EXPECT_EQ(h.agent().status().outbound_spi, out_before);  // adopted, not reinstalled
  EXPECT_TRUE(h.agent_noted("2 SA(s) adopted, 2 to remove; rotating now"));
  h.run_for(1s);
  EXPECT_EQ(h.agent_kernel().get_sa(stray.id()).error().code, xfrm::errc::not_found);
  EXPECT_TRUE(h.agent_kernel().get_sa(foreign.id()).has_value());
  ASSERT_TRUE(h.agent_kernel().delete_sa(foreign.id()));        // out of the way of settled()
  ASSERT_TRUE(h.run_until_generation(3, 10s)) << h.describe();  // at once, not at the interval
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
  EXPECT_EQ(h.lost(), 0U);
}

TEST(RotationRestart, AgentWithoutSavedStateStartsOverAndConverges) {
  RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(2, 90s));
  h.forget_agent_state();
  h.restart_agent();  // every SA of our reqid is unknown now: removed
  EXPECT_EQ(h.agent().generation(), 0U);
  ASSERT_TRUE(h.run_until_generation(3, 30s)) << h.describe();  // the edge never reuses 1 or 2
  ASSERT_TRUE(h.run_until_generation(4, 90s)) << h.describe();
}

}  // namespace
}  // namespace pqbranch::rotation
