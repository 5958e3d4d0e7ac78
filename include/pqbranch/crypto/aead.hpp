#pragma once
// AES-256-GCM (NIST SP 800-38D) with a 12-byte nonce and a 16-byte tag. The caller owns
// nonce uniqueness: a nonce must never repeat under one key.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"

namespace pqbranch::crypto {

inline constexpr std::size_t kAes256GcmKeySize = 32;
inline constexpr std::size_t kGcmNonceSize = 12;
inline constexpr std::size_t kGcmTagSize = 16;

// Returns ciphertext ‖ tag (plaintext size + 16 bytes).
core::Result<std::vector<std::uint8_t>> aes256gcm_seal(std::span<const std::uint8_t> key,
                                                       std::span<const std::uint8_t> nonce,
                                                       std::span<const std::uint8_t> aad,
                                                       std::span<const std::uint8_t> plaintext);

// Takes ciphertext ‖ tag; errc::authentication_failed if the tag does not match (the
// ciphertext, AAD, nonce or key differ), and then no plaintext is released.
core::Result<core::SecureBytes> aes256gcm_open(std::span<const std::uint8_t> key,
                                               std::span<const std::uint8_t> nonce,
                                               std::span<const std::uint8_t> aad,
                                               std::span<const std::uint8_t> sealed);

}  // namespace pqbranch::crypto
