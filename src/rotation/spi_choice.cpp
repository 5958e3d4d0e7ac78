#include "pqbranch/rotation/spi_choice.hpp"

#include <limits>

#include <fmt/format.h>

#include "pqbranch/rotation/errc.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::rotation {

std::uint32_t spi_from_draw(std::uint64_t draw) noexcept {
  constexpr std::uint64_t kSpan =
      std::uint64_t{std::numeric_limits<std::uint32_t>::max()} - xfrm::kMinSpi + 1;
  return static_cast<std::uint32_t>(xfrm::kMinSpi + draw % kSpan);
}

core::Result<std::uint32_t> choose_spi(const SpiRandom& random,
                                       const std::function<bool(std::uint32_t)>& in_use,
                                       int& draws) {
  if (!random) return core::make_error(errc::spi_unavailable, "no random source for SPIs");
  while (draws < kMaxSpiDraws) {
    ++draws;
    const std::optional<std::uint64_t> draw = random();
    if (!draw) return core::make_error(errc::spi_unavailable, "the random source failed");
    const std::uint32_t spi = spi_from_draw(*draw);
    if (!in_use(spi)) return spi;
  }
  return core::make_error(errc::spi_unavailable,
                          fmt::format("{} random SPIs in a row were in use", kMaxSpiDraws));
}

}  // namespace pqbranch::rotation
