#include "pqbranch/core/log_throttle.hpp"

#include <gtest/gtest.h>

namespace pqbranch::core {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottle, OneLinePerKindAndIntervalCountingWhatWasHeldBack) {
  LogThrottle t(10s);
  const Clock::time_point t0{1h};
  EXPECT_EQ(t.allow("evicted", t0), 0U);
  for (int i = 0; i < 1000; ++i)
    EXPECT_FALSE(t.allow("evicted", t0 + 9s));
  // Another kind has its own budget.
  EXPECT_EQ(t.allow("handshake_timeout", t0 + 1s), 0U);
  // The interval passed: one line again, saying how many were not logged.
  EXPECT_EQ(t.allow("evicted", t0 + 10s), 1000U);
  EXPECT_FALSE(t.allow("evicted", t0 + 11s));
  EXPECT_EQ(t.allow("evicted", t0 + 25s), 1U);
}

}  // namespace
}  // namespace pqbranch::core
