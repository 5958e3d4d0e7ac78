// Both machines' inbound SPIs are random draws over the whole SPI space (not a window above
// the last one), skip SPIs in use, and are drawn again, a bounded number of times, when the
// kernel already holds one.

#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "pqbranch/rotation/agent_rotation.hpp"
#include "pqbranch/rotation/edge_rotation.hpp"
#include "pqbranch/rotation/spi_choice.hpp"
#include "pqbranch/xfrm/errc.hpp"

#include "fakes/rotation_harness.hpp"
#include "fakes/spi_sources.hpp"
#include "machine_test_util.hpp"

namespace pqbranch::rotation {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using test::draw_for;
using test::scripted_spi_random;
using D = xfrm::SaDirection;

core::Result<std::uint32_t> taken() {
  return core::make_error(xfrm::errc::spi_exhausted, "ALLOCSPI: SPI in use");
}

AgentRotation agent_with(SpiRandom spis) {
  AgentRotationConfig c;
  c.tunnel = agent_tunnel();
  c.tunnel.spi_random = std::move(spis);
  c.endpoints = 1;
  return AgentRotation(c, [] { return std::uint64_t{0}; });
}

EdgeRotation edge_with(SpiRandom spis) {
  EdgeSiteConfig c;
  c.site_id = "branch-1";
  c.tunnel = edge_tunnel();
  c.tunnel.spi_random = std::move(spis);
  c.lifetime.hard_add = 1200s;
  return EdgeRotation(c);
}

std::pair<std::uint32_t, std::uint32_t> range_of(const std::vector<AgentAction>& actions) {
  const AllocateSpi* a = first_of<AllocateSpi>(actions);
  if (a == nullptr) return {0, 0};
  return {a->request.min_spi, a->request.max_spi};
}

TEST(RandomSpi, TheAgentAsksTheKernelForExactlyTheSpiItDrew) {
  AgentRotation agent = agent_with(scripted_spi_random({draw_for(0x7a3c91e5)}));
  agent.start(std::nullopt, {}, kT0);
  const auto out = agent.handle(Connected{1}, kT0);
  EXPECT_EQ(range_of(out), std::pair(0x7a3c91e5U, 0x7a3c91e5U));
}

TEST(RandomSpi, TheAgentSkipsSpisItsTunnelAlreadyUses) {
  AgentRotation agent =
      agent_with(scripted_spi_random({draw_for(0x1001), draw_for(0x2001), draw_for(0x5e1ec7ed)}));
  const AgentState saved{1, {{1, D::in, 0x1001}, {1, D::out, 0x2001}}};
  agent.start(saved,
              {owned_sa(kEdge, kAgent, 0x1001, D::in), owned_sa(kAgent, kEdge, 0x2001, D::out)},
              kT0);
  ASSERT_TRUE(agent.ledger().holds_spi(0x1001));
  const auto out = agent.handle(Connected{1}, kT0);
  EXPECT_EQ(range_of(out), std::pair(0x5e1ec7edU, 0x5e1ec7edU));
}

TEST(RandomSpi, TheAgentDrawsAgainWhenTheKernelHoldsTheDrawnSpi) {
  AgentRotation agent =
      agent_with(scripted_spi_random({draw_for(0x11111111), draw_for(0x22222222)}));
  agent.start(std::nullopt, {}, kT0);
  auto out = agent.handle(Connected{1}, kT0);
  const AllocateSpi* first = first_of<AllocateSpi>(out);
  ASSERT_NE(first, nullptr);
  out = agent.handle(SpiAllocated{first->step, taken()}, kT0);
  EXPECT_EQ(range_of(out), std::pair(0x22222222U, 0x22222222U));
  EXPECT_EQ(first_of<CloseConnection>(out), nullptr);  // the attempt goes on
}

TEST(RandomSpi, TheAgentGivesTheAttemptUpWhenEveryDrawIsTaken) {
  const SpiRandom stuck = []() -> std::optional<std::uint64_t> { return draw_for(0x1000); };
  AgentRotation agent = agent_with(stuck);
  agent.start(std::nullopt, {}, kT0);
  auto out = agent.handle(Connected{1}, kT0);
  int allocations = 0;
  while (const AllocateSpi* a = first_of<AllocateSpi>(out)) {
    ASSERT_LE(++allocations, kMaxSpiDraws);
    out = agent.handle(SpiAllocated{a->step, taken()}, kT0);
  }
  EXPECT_EQ(allocations, kMaxSpiDraws);
  EXPECT_NE(first_of<CloseConnection>(out), nullptr);
  EXPECT_EQ(agent.status().state, "edge unreachable, retrying");
  EXPECT_NE(agent.status().last_error.find("allocate SPI"), std::string::npos)
      << agent.status().last_error;
}

TEST(RandomSpi, TheEdgeAsksForTheDrawnSpiAndDrawsAgainWhenAnotherSiteHoldsIt) {
  EdgeRotation edge = edge_with(scripted_spi_random({draw_for(0x0badcafe), draw_for(0x600dd00d)}));
  edge.start(std::nullopt, {}, kT0);
  auto out =
      edge.handle(RequestReceived{1, {0, 0x1000, std::nullopt}, std::nullopt, std::nullopt}, kT0);
  const AllocateSpi* first = first_of<AllocateSpi>(out);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->request.min_spi, 0x0badcafeU);
  EXPECT_EQ(first->request.max_spi, 0x0badcafeU);
  out = edge.handle(SpiAllocated{first->step, taken()}, kT0);
  const AllocateSpi* second = first_of<AllocateSpi>(out);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->request.min_spi, 0x600dd00dU);
  EXPECT_EQ(second->request.max_spi, 0x600dd00dU);
  EXPECT_EQ(first_of<SendRefusal>(out), nullptr);
}

TEST(RandomSpi, TheEdgeRefusesTheRequestWhenItsRandomSourceFails) {
  EdgeRotation edge = edge_with(scripted_spi_random({}));
  edge.start(std::nullopt, {}, kT0);
  const auto out =
      edge.handle(RequestReceived{1, {0, 0x1000, std::nullopt}, std::nullopt, std::nullopt}, kT0);
  EXPECT_EQ(first_of<AllocateSpi>(out), nullptr);
  const SendRefusal* refusal = first_of<SendRefusal>(out);
  ASSERT_NE(refusal, nullptr);
  EXPECT_EQ(refusal->refusal.code, RefusalCode::internal_error);
  EXPECT_NE(refusal->refusal.detail.find("random source failed"), std::string::npos)
      << refusal->refusal.detail;
}

// Before, each side asked ALLOCSPI for the window [high-water + 1, high-water + 4096], so a
// site that saw one SPI knew where the next would be.
TEST(RandomSpi, SuccessiveGenerationsSpisAreNotInAWindowAboveThePreviousOnes) {
  constexpr std::uint32_t kOldWindow = 4096;
  test::RotationHarness h;
  h.start();
  ASSERT_TRUE(h.run_until_generation(1, 10s)) << h.describe();
  std::uint32_t agent_prev = h.agent().status().inbound_spi;
  std::uint32_t edge_prev = h.edge().status().inbound_spi;
  for (Generation g = 2; g <= 20; ++g) {
    ASSERT_TRUE(h.run_until_generation(g, 120s)) << h.describe();
    const std::uint32_t agent_spi = h.agent().status().inbound_spi;
    const std::uint32_t edge_spi = h.edge().status().inbound_spi;
    EXPECT_GT(static_cast<std::uint32_t>(agent_spi - agent_prev), kOldWindow)
        << std::hex << "agent: 0x" << agent_prev << " then 0x" << agent_spi;
    EXPECT_GT(static_cast<std::uint32_t>(edge_spi - edge_prev), kOldWindow)
        << std::hex << "edge: 0x" << edge_prev << " then 0x" << edge_spi;
    agent_prev = agent_spi;
    edge_prev = edge_spi;
  }
}

// Property over many generations, with lost acknowledgements and crashes mixed in: every SPI
// either side's kernel holds is outside the reserved range and appears once on its side, and
// no ledger names an SPI twice.
TEST(RandomSpi, OverManyGenerationsEverySpiIsAboveTheReservedRangeAndUniqueAmongLiveSas) {
  test::HarnessOptions o;
  o.seed = 11;
  test::RotationHarness h(o);
  h.start();
  const auto check = [&](Generation g) {
    for (test::FakeKernel* k : {&h.agent_kernel(), &h.edge_kernel()}) {
      std::set<std::uint32_t> seen;
      for (const xfrm::SaState& sa : k->sas()) {
        EXPECT_GE(sa.spi, xfrm::kMinSpi) << "generation " << g;
        if (sa.direction == D::in) {
          EXPECT_TRUE(seen.insert(sa.spi).second) << "generation " << g << " SPI " << sa.spi;
        }
      }
    }
    for (const SaLedger* l : {&h.agent().ledger(), &h.edge().ledger()}) {
      std::multiset<std::uint32_t> spis;
      for (const auto& [gen, sas] : l->generations()) {
        if (sas.inbound.spi != 0) spis.insert(sas.inbound.spi);
      }
      for (const std::uint32_t spi : spis)
        EXPECT_EQ(spis.count(spi), 1U) << "generation " << g << " SPI " << spi;
    }
  };
  for (Generation g = 1; g <= 100; ++g) {
    if (g % 7 == 0) h.drop_next(test::RotationHarness::Msg::ack);
    if (g % 11 == 0) h.crash_agent_after(3);
    if (g % 13 == 0) h.crash_edge_after(2);
    ASSERT_TRUE(h.run_until_generation(g, 300s)) << h.describe();
    check(g);
  }
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

}  // namespace
}  // namespace pqbranch::rotation
