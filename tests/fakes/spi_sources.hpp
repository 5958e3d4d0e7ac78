#pragma once
// Random sources for the rotation machines' SPIs (rotation::SpiRandom) that tests control:
// a seeded generator (deterministic runs) and a scripted list of draws.

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "pqbranch/rotation/rotation_config.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::test {

inline rotation::SpiRandom seeded_spi_random(std::uint64_t seed) {
  auto engine = std::make_shared<std::mt19937_64>(seed);
  return [engine]() -> std::optional<std::uint64_t> { return (*engine)(); };
}

// Gives `draws` in order, then fails (nullopt), as a broken generator would.
inline rotation::SpiRandom scripted_spi_random(std::vector<std::uint64_t> draws) {
  auto left = std::make_shared<std::vector<std::uint64_t>>(std::move(draws));
  auto next = std::make_shared<std::size_t>(0);
  return [left, next]() -> std::optional<std::uint64_t> {
    if (*next >= left->size()) return std::nullopt;
    return (*left)[(*next)++];
  };
}

// The smallest draw rotation::spi_from_draw maps to `spi` (spi >= kMinSpi).
inline std::uint64_t draw_for(std::uint32_t spi) {
  return std::uint64_t{spi} - xfrm::kMinSpi;
}

}  // namespace pqbranch::test
