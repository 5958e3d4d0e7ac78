#pragma once
// Classical Diffie-Hellman for IKEv2's IKE_SA_INIT beside ML-KEM (RFC 9370): X25519
// (RFC 7748 / RFC 8031) and ECDH on P-256 and P-384 (RFC 5903).

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/crypto/keys.hpp"

namespace pqbranch::crypto {

enum class EcdhGroup { x25519, p256, p384 };

[[nodiscard]] std::string_view to_string(EcdhGroup g) noexcept;

core::Result<PrivateKey> ecdh_generate(EcdhGroup g);
// The X25519 key whose private scalar is `private_key` (32 bytes): deterministic keys for
// tests that replay an exchange byte for byte. The EC groups have no such constructor
// (errc::invalid_argument).
core::Result<PrivateKey> ecdh_from_private(EcdhGroup g, std::span<const std::uint8_t> private_key);

// Our public value: X25519 its 32 bytes; P-256/P-384 the uncompressed point 0x04 ‖ x ‖ y
// (IKEv2 sends x ‖ y without the 0x04, RFC 5903 §7: the caller strips or adds it).
core::Result<std::vector<std::uint8_t>> ecdh_public_value(const PrivateKey& key);

// The shared secret with a peer's public value in the same encoding (X25519: 32 bytes;
// P-256/P-384: the x coordinate, RFC 5903 §7). An invalid peer value (not on the curve,
// or an X25519 value giving the all-zero secret) is errc::bad_key.
core::Result<core::SecureBytes> ecdh_derive(const PrivateKey& key,
                                            std::span<const std::uint8_t> peer_public);

}  // namespace pqbranch::crypto
