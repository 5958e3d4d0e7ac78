// Many seeds of random trouble around the update machine: fetches and downloads fail,
// manifests are forged, packages arrive corrupt, request writes and reports fail, the agent
// crashes, the updater installs, rolls back, fails, refuses or stays silent, and the operator
// presses "update now" or pauses. The invariant holds after every action, and once the
// trouble stops the agent ends on the newest release that has not failed, with its report
// acknowledged.

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "fakes/update_harness.hpp"

namespace pqbranch::update {
namespace {

using namespace std::chrono_literals;
using test::UpdateHarness;
using test::UpdateHarnessOptions;

TEST(UpdateSimulation, RandomTroubleNeverBreaksTheInvariantAndEndsOnTheNewestHealthyRelease) {
  std::size_t requests = 0;
  std::size_t restarts = 0;
  std::size_t failed = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    UpdateHarnessOptions o;
    o.seed = seed;
    UpdateHarness h(o);
    std::mt19937_64 rng(seed * 7919);
    h.start();
    int next_version = 1;
    for (int round = 0; round < 30; ++round) {
      if (rng() % 3 == 0) h.publish("1.0." + std::to_string(next_version++));
      switch (rng() % 10) {
        case 0:
          h.update_now();
          break;
        case 1:
          h.pause();
          break;
        case 2:
        case 3:
          h.resume();
          break;
        default:
          break;
      }
      h.run_for(std::chrono::hours(1 + static_cast<int>(rng() % 12)));
      ASSERT_TRUE(h.violations().empty()) << h.describe();
    }
    // The trouble stops; a last release that will install.
    h.calm();
    h.resume();
    h.publish("1.0." + std::to_string(next_version++));
    const std::string newest = "1.0." + std::to_string(next_version - 1);
    h.run_for(std::chrono::days(2));
    ASSERT_TRUE(h.violations().empty()) << h.describe();
    EXPECT_EQ(h.running(), newest) << h.describe();
    ASSERT_FALSE(h.reports().empty()) << h.describe();
    EXPECT_EQ(h.reports().back(), (std::pair<std::string, std::string>{newest, "installed"}))
        << h.describe();
    requests += h.requests();
    restarts += h.restarts();
    failed += h.failed_versions().size();
  }
  // The trouble was real: updates were requested, agents restarted and versions failed.
  EXPECT_GT(requests, 40U);
  EXPECT_GT(restarts, 40U);
  EXPECT_GT(failed, 10U);
}

TEST(UpdateSimulation, WithoutUpdateNowEveryRequestFallsInsideAWindow) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    UpdateHarnessOptions o;
    o.seed = seed;
    o.agent_crash = 0.01;
    UpdateHarness h(o);
    h.start();
    for (int i = 1; i <= 10; ++i) {
      h.publish("2.0." + std::to_string(i));
      h.run_for(std::chrono::hours(20));
    }
    EXPECT_TRUE(h.violations().empty()) << h.describe();
    EXPECT_GT(h.requests(), 0U) << h.describe();
  }
}

}  // namespace
}  // namespace pqbranch::update
