#pragma once
// A fixture that drives AgentRotation by hand for its direct tests: events fed at a manual
// time, the step of the last kernel request, whole rotations to a given generation.

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "pqbranch/rotation/agent_rotation.hpp"

#include "machine_test_util.hpp"

namespace pqbranch::rotation::testing {

inline constexpr std::uint32_t kAgentSpi = 0x1000;
inline constexpr std::uint32_t kEdgeSpi = 0x2000;

// The edge's offer of generation `g` for the test tunnel (lifetimes 900 s soft, 1200 s hard).
inline GenerationOffer offer(Generation g, std::uint32_t agent_spi, std::uint32_t edge_spi,
                             Generation edge_generation = 0) {
  using namespace std::chrono_literals;
  GenerationOffer o;
  o.generation = g;
  o.edge_generation = edge_generation;
  o.agent_spi = agent_spi;
  o.edge_spi = edge_spi;
  o.lifetime.soft_add = 900s;
  o.lifetime.hard_add = 1200s;
  o.tunnel.agent_address = kAgent;
  o.tunnel.edge_address = kEdge;
  return o;
}

class AgentMachineFixture : public ::testing::Test {
 protected:
  AgentMachineFixture(AgentRotationConfig config, std::uint64_t seed)
      : rng_(seed), agent_(std::move(config), [this] { return rng_(); }) {}

  std::mt19937_64 rng_;
  AgentRotation agent_;
  TimePoint now_ = kT0;
  std::vector<AgentAction> last_;

  std::vector<AgentAction>& feed(AgentEvent e) {
    last_ = agent_.handle(std::move(e), now_);
    return last_;
  }
  // The step of the kernel request among the last actions.
  StepId step() const {
    for (const AgentAction& a : last_) {
      if (const auto* x = std::get_if<AllocateSpi>(&a)) return x->step;
      if (const auto* x = std::get_if<UpdateSa>(&a)) return x->step;
      if (const auto* x = std::get_if<AddSa>(&a)) return x->step;
      if (const auto* x = std::get_if<DeleteSa>(&a)) return x->step;
    }
    ADD_FAILURE() << "no step in the last actions";
    return 0;
  }
  std::vector<AgentAction>& ok() { return feed(KernelDone{step(), {}}); }

  // Start, connect on connection `conn`, allocate `spi`: the agent is then requesting.
  void to_requesting(ConnectionId conn, std::uint32_t spi) {
    if (conn == 1) last_ = agent_.start(std::nullopt, {}, now_);
    feed(Connected{conn});
    feed(SpiAllocated{step(), spi});
  }
  // A whole rotation to `g` on connection `conn` (started first when conn is 1), up to the
  // acknowledgement being sent.
  void rotate(ConnectionId conn, Generation g, std::uint32_t agent_spi, std::uint32_t edge_spi,
              Generation edge_generation = 0) {
    to_requesting(conn, agent_spi);
    feed(OfferReceived{conn, offer(g, agent_spi, edge_spi, edge_generation), keys_of(0x10)});
    for (int i = 0; i < 4 && first_of<SendAck>(last_) == nullptr; ++i)
      ok();
    EXPECT_NE(first_of<SendAck>(last_), nullptr);
  }
};

}  // namespace pqbranch::rotation::testing
