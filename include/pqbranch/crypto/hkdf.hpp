#pragma once
// HKDF (RFC 5869) with SHA-256 or SHA-384: extract a pseudorandom key from input keying
// material, expand it into as many bytes as needed.

#include <cstddef>
#include <cstdint>
#include <span>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/crypto/hash.hpp"

namespace pqbranch::crypto {

// RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an empty salt means HashLen zero bytes.
core::Result<core::SecureBytes> hkdf_extract(Hash h, std::span<const std::uint8_t> salt,
                                             std::span<const std::uint8_t> ikm);

// RFC 5869 §2.3: OKM of `length` bytes, 1 <= length <= 255 * HashLen; `prk` must be at
// least HashLen bytes.
core::Result<core::SecureBytes> hkdf_expand(Hash h, std::span<const std::uint8_t> prk,
                                            std::span<const std::uint8_t> info, std::size_t length);

// Extract then expand.
core::Result<core::SecureBytes> hkdf(Hash h, std::span<const std::uint8_t> salt,
                                     std::span<const std::uint8_t> ikm,
                                     std::span<const std::uint8_t> info, std::size_t length);

}  // namespace pqbranch::crypto
