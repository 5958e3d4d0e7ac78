// AgentRotation and TimingChanged (a config reload): new timing and endpoint counts reach the
// machine without any kernel change; the next rotation is planned again from the last one.

#include <random>

#include <gtest/gtest.h>

#include "pqbranch/rotation/agent_rotation.hpp"
#include "pqbranch/rotation/errc.hpp"

#include "machine_test_util.hpp"

namespace pqbranch::rotation {
namespace {

using namespace std::chrono_literals;
using namespace testing;  // machine_test_util

const TimePoint kT0{std::chrono::hours(1)};
constexpr std::uint32_t kAgentSpi = 0x1000;
constexpr std::uint32_t kEdgeSpi = 0x2000;

AgentRotationConfig config() {
  AgentRotationConfig c;
  c.tunnel = agent_tunnel();
  c.endpoints = 2;
  c.interval = 600s;
  c.jitter = 0s;
  c.exchange_timeout = 10s;
  c.retry_initial = 1s;
  c.retry_max = 8s;
  return c;
}

TimingChanged timing(Duration interval, std::size_t endpoints = 2) {
  return TimingChanged{interval, 0s, 10s, 1s, 8s, endpoints};
}

class AgentTimingChangeTest : public ::testing::Test {
 protected:
  AgentRotation agent_{config(), [this] { return rng_(); }};
  std::mt19937_64 rng_{42};
  TimePoint now_ = kT0;
  std::vector<AgentAction> last_;

  std::vector<AgentAction>& feed(AgentEvent e) {
    last_ = agent_.handle(std::move(e), now_);
    return last_;
  }
  StepId step() const {
    for (const AgentAction& a : last_) {
      if (const auto* x = std::get_if<AllocateSpi>(&a)) return x->step;
      if (const auto* x = std::get_if<UpdateSa>(&a)) return x->step;
      if (const auto* x = std::get_if<AddSa>(&a)) return x->step;
    }
    ADD_FAILURE() << "no step in the last actions";
    return 0;
  }
  // Generation 1 installed and acknowledged at kT0.
  void rotated() {
    last_ = agent_.start(std::nullopt, {}, now_);
    feed(Connected{1});
    feed(SpiAllocated{step(), kAgentSpi});
    GenerationOffer o;
    o.generation = 1;
    o.agent_spi = kAgentSpi;
    o.edge_spi = kEdgeSpi;
    o.lifetime.soft_add = 900s;
    o.lifetime.hard_add = 1200s;
    o.tunnel.agent_address = kAgent;
    o.tunnel.edge_address = kEdge;
    feed(OfferReceived{1, o, keys_of(0x10)});
    for (int i = 0; i < 3 && first_of<SendAck>(last_) == nullptr; ++i)
      feed(KernelDone{step(), {}});
    ASSERT_NE(first_of<SendAck>(last_), nullptr);
    feed(AckAnswered{1, 1, true});
  }
};

TEST_F(AgentTimingChangeTest, ALongerIntervalMovesTheNextRotationFromTheLastOne) {
  rotated();
  ASSERT_EQ(agent_.status().last_rotation, kT0);
  ASSERT_EQ(agent_.status().next_rotation, kT0 + 600s);
  now_ += 60s;
  feed(timing(7200s));
  EXPECT_FALSE(has_kernel_change(last_));
  EXPECT_EQ(agent_.status().next_rotation, kT0 + 7200s);
  EXPECT_TRUE(noted(last_, "rotation timing changed: next rotation in 7140000 ms"));
  EXPECT_EQ(agent_.status().generation, 1U);
}

TEST_F(AgentTimingChangeTest, AnIntervalAlreadyOverRotatesAtOnce) {
  rotated();
  now_ += 120s;
  feed(timing(60s));
  EXPECT_EQ(agent_.status().next_rotation, std::nullopt);  // no longer idle: connecting
  EXPECT_NE(first_of<Connect>(last_), nullptr);
  EXPECT_FALSE(has_kernel_change(last_));
}

TEST_F(AgentTimingChangeTest, TheSameTimingPlansNothingAgain) {
  rotated();
  now_ += 60s;
  feed(timing(600s));
  EXPECT_FALSE(has_kernel_change(last_));
  EXPECT_FALSE(noted(last_, "rotation timing changed"));
  EXPECT_EQ(agent_.status().next_rotation, kT0 + 600s);
}

TEST_F(AgentTimingChangeTest, AShorterEndpointListEndsTheRoundAndStartsTheNextAtItsFirst) {
  rotated();
  feed(RotateNow{"test", true});  // fail over: from endpoint 0 to 1
  const Connect* c = first_of<Connect>(last_);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->endpoint, 1U);
  const ConnectionId conn = c->conn;
  feed(timing(600s, 1));  // endpoint 1 is gone from the list; its attempt goes on
  EXPECT_FALSE(has_kernel_change(last_));
  EXPECT_EQ(agent_.status().state, "connecting");
  feed(ConnectFailed{conn, core::make_error(errc::unreachable)});
  EXPECT_EQ(first_of<Connect>(last_), nullptr);
  EXPECT_EQ(agent_.status().state, "edge unreachable, retrying");
  const WakeAt* wake = first_of<WakeAt>(last_);
  ASSERT_NE(wake, nullptr);
  now_ = wake->at;
  feed(Tick{});
  c = first_of<Connect>(last_);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->endpoint, 0U);  // the only one left
  EXPECT_EQ(agent_.status().generation, 1U);
}

}  // namespace
}  // namespace pqbranch::rotation
