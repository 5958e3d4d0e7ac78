#pragma once
// The random source of both programs' inbound SPIs (rotation::SpiRandom): the CSPRNG, so that
// no one who sees earlier SPIs can predict the next one.

#include "pqbranch/rotation/rotation_config.hpp"

namespace pqbranch::keysvc {

// 64 bits from crypto::random_fill per call; nullopt if the generator fails.
[[nodiscard]] rotation::SpiRandom csprng_spi_random();

// `tunnel` with csprng_spi_random() when it has no source of its own (tests inject one).
[[nodiscard]] rotation::TunnelConfig with_spi_random(rotation::TunnelConfig tunnel);

}  // namespace pqbranch::keysvc
