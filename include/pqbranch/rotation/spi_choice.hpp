#pragma once
// How each side picks the SPI of its new inbound SA: a random draw over the whole SPI space,
// not a value near the last one, so that no other site can predict it and reserve it first
// (docs/rotation.md, "SPIs"). The machines then ask ALLOCSPI for exactly that SPI.

#include <cstdint>
#include <functional>

#include "pqbranch/core/error.hpp"
#include "pqbranch/rotation/rotation_config.hpp"

namespace pqbranch::rotation {

// Draws one allocation may make in all (SPIs this side already uses, and SPIs the kernel
// refuses as taken, each cost one). With 2^32 - 256 SPIs and at most a few hundred in use,
// running out means the random source is broken, not that the space is full.
inline constexpr int kMaxSpiDraws = 16;

// The SPI a 64-bit draw stands for: kMinSpi + draw mod (2^32 - kMinSpi), uniform over
// [kMinSpi, 2^32 - 1] up to a bias below 2^-32.
[[nodiscard]] std::uint32_t spi_from_draw(std::uint64_t draw) noexcept;

// An SPI for which `in_use` is false. `draws` counts the draws of one allocation across
// calls (the caller draws again when the kernel refuses the SPI); errc::spi_unavailable once
// kMaxSpiDraws are used up, or when `random` is unset or fails.
[[nodiscard]] core::Result<std::uint32_t> choose_spi(
    const SpiRandom& random, const std::function<bool(std::uint32_t)>& in_use, int& draws);

}  // namespace pqbranch::rotation
