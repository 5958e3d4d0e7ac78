// Choosing an inbound SPI: a random draw mapped onto [kMinSpi, 2^32 - 1], SPIs in use
// skipped, a bounded number of draws.

#include "pqbranch/rotation/spi_choice.hpp"

#include <cstdint>
#include <limits>
#include <set>

#include <gtest/gtest.h>

#include "pqbranch/rotation/errc.hpp"
#include "pqbranch/xfrm/types.hpp"

#include "fakes/spi_sources.hpp"

namespace pqbranch::rotation {
namespace {

using test::draw_for;
using test::scripted_spi_random;

constexpr std::uint32_t kTop = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kSpan = std::uint64_t{kTop} - xfrm::kMinSpi + 1;

bool nothing_in_use(std::uint32_t /*spi*/) {
  return false;
}

TEST(SpiChoice, ADrawMapsOntoTheWholeRangeAboveTheReservedSpis) {
  EXPECT_EQ(spi_from_draw(0), xfrm::kMinSpi);
  EXPECT_EQ(spi_from_draw(1), xfrm::kMinSpi + 1);
  EXPECT_EQ(spi_from_draw(kSpan - 1), kTop);
  EXPECT_EQ(spi_from_draw(kSpan), xfrm::kMinSpi);  // wraps, never below kMinSpi
  EXPECT_EQ(spi_from_draw(3 * kSpan + 0x1234), xfrm::kMinSpi + 0x1234);
  EXPECT_EQ(spi_from_draw(std::numeric_limits<std::uint64_t>::max()),
            xfrm::kMinSpi + std::numeric_limits<std::uint64_t>::max() % kSpan);
}

TEST(SpiChoice, TheChosenSpiIsTheMappedDraw) {
  int draws = 0;
  const auto spi = choose_spi(scripted_spi_random({draw_for(0x7a3c91e5)}), nothing_in_use, draws);
  ASSERT_TRUE(spi) << spi.error().message();
  EXPECT_EQ(*spi, 0x7a3c91e5U);
  EXPECT_EQ(draws, 1);
}

TEST(SpiChoice, SpisInUseAreSkipped) {
  const std::set<std::uint32_t> in_use{0x1000, 0x2000};
  int draws = 0;
  const auto spi = choose_spi(
      scripted_spi_random({draw_for(0x1000), draw_for(0x2000), draw_for(0x3000)}),
      [&](std::uint32_t s) { return in_use.contains(s); }, draws);
  ASSERT_TRUE(spi) << spi.error().message();
  EXPECT_EQ(*spi, 0x3000U);
  EXPECT_EQ(draws, 3);
}

TEST(SpiChoice, AfterTheBoundOfDrawsItRefusesWithAClearError) {
  // A broken generator that always gives the same, taken, SPI.
  const SpiRandom stuck = []() -> std::optional<std::uint64_t> { return draw_for(0x1000); };
  int draws = 0;
  const auto spi = choose_spi(stuck, [](std::uint32_t s) { return s == 0x1000; }, draws);
  ASSERT_FALSE(spi);
  EXPECT_EQ(spi.error(), errc::spi_unavailable);
  EXPECT_EQ(draws, kMaxSpiDraws);
  EXPECT_NE(spi.error().message().find("random SPIs in a row were in use"), std::string::npos)
      << spi.error().message();
  // The count spans calls: a kernel refusal after the last draw leaves nothing to draw.
  EXPECT_FALSE(choose_spi(scripted_spi_random({draw_for(0x5000)}), nothing_in_use, draws));
}

TEST(SpiChoice, WithoutAWorkingRandomSourceNoSpiIsChosen) {
  int draws = 0;
  const auto unset = choose_spi(SpiRandom{}, nothing_in_use, draws);
  ASSERT_FALSE(unset);
  EXPECT_EQ(unset.error(), errc::spi_unavailable);
  const auto failing = choose_spi(scripted_spi_random({}), nothing_in_use, draws);
  ASSERT_FALSE(failing);
  EXPECT_EQ(failing.error(), errc::spi_unavailable);
  EXPECT_NE(failing.error().message().find("random source failed"), std::string::npos);
}

}  // namespace
}  // namespace pqbranch::rotation
