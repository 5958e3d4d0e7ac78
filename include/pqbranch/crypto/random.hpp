#pragma once
// The CSPRNG (OpenSSL's DRBG, seeded by the kernel).

#include <cstddef>
#include <cstdint>
#include <span>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"

namespace pqbranch::crypto {

// `n` random bytes for secrets (keys, seeds): from the DRBG reserved for private values.
core::Result<core::SecureBytes> random_bytes(std::size_t n);

// Fills `out` with random bytes for public values (nonces, IVs, SPIs, cookies).
core::Result<void> random_fill(std::span<std::uint8_t> out);

}  // namespace pqbranch::crypto
