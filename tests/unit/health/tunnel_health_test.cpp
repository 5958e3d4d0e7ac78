// TunnelHealth: states, thresholds, hysteresis and the actions it asks for, on a manual clock.

#include "pqbranch/health/tunnel_health.hpp"

#include <gtest/gtest.h>

#include "fakes/manual_clock.hpp"

namespace pqbranch::health {
namespace {

using namespace std::chrono_literals;

// One probe a second, each resolved the moment it is reported (the prober's job).
class Probes {
 public:
  explicit Probes(TunnelHealthConfig config = {}) : health_(std::move(config), clock_.now()) {}

  HealthActions answered() { return send(false); }
  HealthActions lost() { return send(true); }
  // `n` probes, one a second; the transitions seen on the way.
  std::vector<Transition> run(unsigned n, bool lost) {
    std::vector<Transition> seen;
    for (unsigned i = 0; i < n; ++i) {
      if (auto a = send(lost); a.transition) seen.push_back(*a.transition);
    }
    return seen;
  }
  HealthActions tick(Duration d) {
    clock_.advance(d);
    return health_.tick(clock_.now());
  }
  TunnelHealth& health() { return health_; }
  test::ManualClock& clock() { return clock_; }

 private:
  HealthActions send(bool lost) {
    clock_.advance(1s);
    health_.probe_sent(clock_.now());
    return lost ? health_.probe_lost(clock_.now()) : health_.probe_answered(clock_.now());
  }

  test::ManualClock clock_;
  TunnelHealth health_;
};

TEST(TunnelHealth, StartsHealthyAndAnsweredProbesKeepItHealthyWithoutTransitions) {
  Probes p;
  EXPECT_EQ(p.health().state(), HealthState::healthy);
  EXPECT_TRUE(p.run(1000, false).empty());
  const auto s = p.health().status();
  EXPECT_EQ(s.state, HealthState::healthy);
  EXPECT_EQ(s.probes_sent, 1000U);
  EXPECT_EQ(s.probes_answered, 1000U);
  EXPECT_EQ(s.probes_lost, 0U);
  EXPECT_EQ(s.window_resolved, 300U);  // 5 minutes at one a second
  EXPECT_EQ(s.window_loss_ratio, 0.0);
}

TEST(TunnelHealth, OneLostProbeIsNotDegradedButTwoInFiveMinutesAre) {
  Probes p;
  p.run(100, false);
  EXPECT_FALSE(p.lost().transition);
  EXPECT_TRUE(p.run(100, false).empty());
  const auto a = p.lost();
  ASSERT_TRUE(a.transition);
  EXPECT_EQ(a.transition->from, HealthState::healthy);
  EXPECT_EQ(a.transition->to, HealthState::degraded);
  EXPECT_EQ(a.transition->reason, "2 of 202 probes lost in the last 300s (0.99%)");
  EXPECT_FALSE(a.rotate_now);
  EXPECT_FALSE(a.fail_over);
}

TEST(TunnelHealth, TwoLossesFurtherApartThanTheWindowNeverDegrade) {
  Probes p;
  p.lost();
  EXPECT_TRUE(p.run(300, false).empty());  // the first loss has aged out
  EXPECT_FALSE(p.lost().transition);
  EXPECT_EQ(p.health().status().window_lost, 1U);
}

TEST(TunnelHealth, LossBelowTheRatioIsNotDegradedEvenWithSeveralLosses) {
  TunnelHealthConfig c;
  c.degraded_loss = 0.01;  // 1 %: at one a second, 3 of 300 in the window
  Probes p(c);
  p.run(298, false);
  p.lost();
  p.lost();  // 2 of 300 < 1 %
  EXPECT_EQ(p.health().state(), HealthState::healthy);
  p.run(100, false);
  const auto a = p.lost();  // 3 of the last 300 = 1 %
  ASSERT_TRUE(a.transition);
  EXPECT_EQ(a.transition->to, HealthState::degraded);
}

TEST(TunnelHealth, DegradedClearsOnlyOnceTheLossesAgedOutOfTheWindow) {
  Probes p;
  p.lost();
  p.answered();
  p.lost();
  ASSERT_EQ(p.health().state(), HealthState::degraded);
  // 297 more answered: the first loss is exactly 299 s old, still inside the window.
  EXPECT_TRUE(p.run(297, false).empty());
  EXPECT_EQ(p.health().state(), HealthState::degraded);
  const auto seen = p.run(1, false);  // the first loss ages out: 1 loss left, below the minimum
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].from, HealthState::degraded);
  EXPECT_EQ(seen[0].to, HealthState::healthy);
  EXPECT_EQ(p.health().status().window_lost, 1U);
}

TEST(TunnelHealth, TimeAloneAgesLossesOutWhenTheProberIsQuiet) {
  Probes p;
  p.lost();
  p.answered();
  p.lost();
  ASSERT_EQ(p.health().state(), HealthState::degraded);
  EXPECT_FALSE(p.tick(297s).transition);
  const auto a = p.tick(1s);
  ASSERT_TRUE(a.transition);
  EXPECT_EQ(a.transition->to, HealthState::healthy);
}

TEST(TunnelHealth, ThreeConsecutiveLossesAreDownAndAskForAnImmediateRotation) {
  Probes p;
  p.run(10, false);
  EXPECT_FALSE(p.lost().rotate_now);
  const auto second = p.lost();  // 2 of 12 lost: degraded on the way
  ASSERT_TRUE(second.transition);
  EXPECT_EQ(second.transition->to, HealthState::degraded);
  EXPECT_FALSE(second.rotate_now);
  const auto third = p.lost();
  ASSERT_TRUE(third.transition);
  EXPECT_EQ(third.transition->from, HealthState::degraded);
  EXPECT_EQ(third.transition->to, HealthState::down);
  EXPECT_EQ(third.transition->reason, "3 probes in a row lost");
  EXPECT_TRUE(third.rotate_now);
  EXPECT_FALSE(third.fail_over);
  // More losses: no second transition, no second rotation.
  for (int i = 0; i < 20; ++i) {
    const auto a = p.lost();
    EXPECT_FALSE(a.transition);
    EXPECT_FALSE(a.rotate_now);
  }
}

TEST(TunnelHealth, LossesInterruptedByAnAnswerAreNotDown) {
  Probes p;
  p.lost();
  p.lost();
  p.answered();
  p.lost();
  p.lost();
  EXPECT_EQ(p.health().state(), HealthState::degraded);
  EXPECT_EQ(p.health().status().consecutive_lost, 2U);
}

TEST(TunnelHealth, DownAfterIsConfigurable) {
  TunnelHealthConfig c;
  c.down_after = 5;
  Probes p(c);
  p.run(4, true);
  EXPECT_EQ(p.health().state(), HealthState::degraded);
  EXPECT_TRUE(p.lost().rotate_now);
  EXPECT_EQ(p.health().state(), HealthState::down);
}

TEST(TunnelHealth, DownNeedsRecoverAfterConsecutiveAnswersToLeave) {
  Probes p;
  p.run(3, true);
  ASSERT_EQ(p.health().state(), HealthState::down);
  p.answered();
  p.answered();
  p.lost();  // the run of answers starts again
  p.answered();
  EXPECT_FALSE(p.answered().transition);
  EXPECT_EQ(p.health().state(), HealthState::down);
  const auto a = p.answered();  // third in a row
  ASSERT_TRUE(a.transition);
  EXPECT_EQ(a.transition->from, HealthState::down);
  // The losses are still in the window: degraded, not healthy.
  EXPECT_EQ(a.transition->to, HealthState::degraded);
  EXPECT_EQ(a.transition->reason,
            "3 probes in a row answered; 4 of 9 probes lost in the last 300s (44.44%)");
}

TEST(TunnelHealth, DownGoesStraightToHealthyWhenTheWindowHoldsTooFewLosses) {
  TunnelHealthConfig c;
  c.degraded_min_lost = 10;  // the three losses that made it down are not enough
  Probes p(c);
  p.run(3, true);
  ASSERT_EQ(p.health().state(), HealthState::down);
  const auto seen = p.run(3, false);
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].to, HealthState::healthy);
}

TEST(TunnelHealth, FullRecoveryGoesDownDegradedHealthyAndLogsEachTransitionOnce) {
  Probes p;
  p.run(100, false);
  std::vector<Transition> seen = p.run(5, true);
  for (auto& t : p.run(400, false))
    seen.push_back(t);
  ASSERT_EQ(seen.size(), 4U);
  EXPECT_EQ(seen[0].to, HealthState::degraded);
  EXPECT_EQ(seen[1].to, HealthState::down);
  EXPECT_EQ(seen[2].to, HealthState::degraded);
  EXPECT_EQ(seen[3].to, HealthState::healthy);
  EXPECT_EQ(p.health().status().probes_lost, 5U);
  EXPECT_EQ(p.health().status().window_lost, 0U);
}

TEST(TunnelHealth, FailOverComesAfterFailoverAfterInDownAndRepeatsWhileDown) {
  TunnelHealthConfig c;
  c.failover_after = 30s;
  Probes p(c);
  p.run(3, true);
  ASSERT_EQ(p.health().state(), HealthState::down);
  EXPECT_FALSE(p.tick(29s).fail_over);
  EXPECT_TRUE(p.tick(1s).fail_over);
  EXPECT_FALSE(p.tick(1s).fail_over);  // once per period
  EXPECT_FALSE(p.tick(28s).fail_over);
  EXPECT_TRUE(p.tick(1s).fail_over);
}

TEST(TunnelHealth, NoFailOverWithoutFailoverAfterOrOnceRecovered) {
  Probes never;
  never.run(3, true);
  EXPECT_FALSE(never.tick(24h).fail_over);

  TunnelHealthConfig c;
  c.failover_after = 30s;
  Probes p(c);
  p.run(3, true);
  p.run(3, false);
  ASSERT_NE(p.health().state(), HealthState::down);
  EXPECT_FALSE(p.tick(1h).fail_over);
}

TEST(TunnelHealth, StatusCountsLossRatioAndTheTimeOfTheLastTransition) {
  Probes p;
  p.run(8, false);
  p.run(2, true);
  const auto s = p.health().status();
  EXPECT_EQ(s.probes_sent, 10U);
  EXPECT_EQ(s.probes_answered, 8U);
  EXPECT_EQ(s.probes_lost, 2U);
  EXPECT_EQ(s.window_resolved, 10U);
  EXPECT_EQ(s.window_lost, 2U);
  EXPECT_DOUBLE_EQ(s.window_loss_ratio, 0.2);
  EXPECT_EQ(s.consecutive_lost, 2U);
  EXPECT_EQ(s.since, p.clock().now());  // degraded at the last loss
}

TEST(TunnelHealth, APendingProbeCountsAsSentButNotInTheLossRatio) {
  Probes p;
  p.run(3, false);
  p.health().probe_sent(p.clock().now());
  const auto s = p.health().status();
  EXPECT_EQ(s.probes_sent, 4U);
  EXPECT_EQ(s.window_resolved, 3U);
}

TEST(TunnelHealth, TheWindowIsBoundedWhateverTheProbeRate) {
  TunnelHealthConfig c;
  c.loss_window = std::chrono::hours{24};
  Probes p(c);
  p.run(TunnelHealth::kMaxWindow + 10, false);
  EXPECT_EQ(p.health().status().window_resolved, TunnelHealth::kMaxWindow);
}

TEST(TunnelHealth, StateNamesAreStable) {
  EXPECT_STREQ(to_string(HealthState::healthy), "healthy");
  EXPECT_STREQ(to_string(HealthState::degraded), "degraded");
  EXPECT_STREQ(to_string(HealthState::down), "down");
}

}  // namespace
}  // namespace pqbranch::health
