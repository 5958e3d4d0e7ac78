#include "pqbranch/keysvc/spi_random.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <utility>

#include "pqbranch/crypto/random.hpp"

namespace pqbranch::keysvc {

rotation::SpiRandom csprng_spi_random() {
  return []() -> std::optional<std::uint64_t> {
    std::array<std::uint8_t, sizeof(std::uint64_t)> bytes{};
    if (!crypto::random_fill(bytes)) return std::nullopt;
    return std::bit_cast<std::uint64_t>(bytes);
  };
}

rotation::TunnelConfig with_spi_random(rotation::TunnelConfig tunnel) {
  if (!tunnel.spi_random) tunnel.spi_random = csprng_spi_random();
  return tunnel;
}

}  // namespace pqbranch::keysvc
