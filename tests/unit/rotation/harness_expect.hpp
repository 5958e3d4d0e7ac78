#pragma once
// The end-of-run check of the rotation tests that drive both machines through the harness.

#include <gtest/gtest.h>

#include "fakes/rotation_harness.hpp"

namespace pqbranch::rotation::testing {

// No invariant broken and no packet lost over the whole run.
inline void expect_clean(const test::RotationHarness& h) {
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
  EXPECT_EQ(h.lost(), 0U);
}

}  // namespace pqbranch::rotation::testing
