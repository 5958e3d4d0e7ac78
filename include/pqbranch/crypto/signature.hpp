#pragma once
// Signatures: ML-DSA-65 (FIPS 204, pure, empty context), Ed25519 (RFC 8032, pure) and
// ECDSA P-256 with SHA-256 (DER-encoded signature, as X.509, TLS and RFC 7427 carry it).
// The algorithm follows from the key; any other key type is refused.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/crypto/keys.hpp"

namespace pqbranch::crypto {

enum class SignatureAlgorithm { ml_dsa_65, ed25519, ecdsa_p256_sha256 };

// "ML-DSA-65", "Ed25519", "ECDSA-P256-SHA256".
[[nodiscard]] std::string_view to_string(SignatureAlgorithm a) noexcept;

core::Result<PrivateKey> generate_signing_key(SignatureAlgorithm a);

// The algorithm a key signs with (errc::bad_key for keys of other types or curves).
core::Result<SignatureAlgorithm> signature_algorithm_of(EVP_PKEY* key);
core::Result<SignatureAlgorithm> signature_algorithm_of(const PrivateKey& key);
core::Result<SignatureAlgorithm> signature_algorithm_of(const PublicKey& key);

core::Result<std::vector<std::uint8_t>> sign(const PrivateKey& key,
                                             std::span<const std::uint8_t> message);

// Success, or errc::bad_signature when the signature does not verify (including a
// malformed signature).
core::Result<void> verify(const PublicKey& key, std::span<const std::uint8_t> message,
                          std::span<const std::uint8_t> signature);

}  // namespace pqbranch::crypto
