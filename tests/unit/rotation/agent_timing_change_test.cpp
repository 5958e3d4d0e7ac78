// AgentRotation and TimingChanged (a config reload): new timing and endpoint counts reach the
// machine without any kernel change; the next rotation is planned again from the last one.

#include <gtest/gtest.h>

#include "pqbranch/rotation/agent_rotation.hpp"
#include "pqbranch/rotation/errc.hpp"

#include "agent_machine_fixture.hpp"

namespace pqbranch::rotation {
namespace {

using namespace std::chrono_literals;
using namespace testing;  // machine_test_util

AgentRotationConfig timing_config() {
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

class AgentTimingChangeTest : public AgentMachineFixture {
 protected:
  AgentTimingChangeTest() : AgentMachineFixture(timing_config(), 42) {}
  // Generation 1 installed and acknowledged at kT0.
  void rotated() {
    rotate(1, 1, kAgentSpi, kEdgeSpi);
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
