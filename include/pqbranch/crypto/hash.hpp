#pragma once
// Hash functions by name, and HMAC (RFC 2104): IKEv2's PRF-HMAC-SHA2 (RFC 4868) and the
// building block of HKDF.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"

namespace pqbranch::crypto {

enum class Hash { sha256, sha384 };

[[nodiscard]] constexpr std::size_t digest_size(Hash h) noexcept {
  return h == Hash::sha256 ? 32 : 48;
}

// The digest of `data` (not secret).
core::Result<std::vector<std::uint8_t>> digest(Hash h, std::span<const std::uint8_t> data);

// HMAC(key, data); the output is treated as key material.
core::Result<core::SecureBytes> hmac(Hash h, std::span<const std::uint8_t> key,
                                     std::span<const std::uint8_t> data);

}  // namespace pqbranch::crypto
