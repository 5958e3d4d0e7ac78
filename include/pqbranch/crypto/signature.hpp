#pragma once
// Signatures: ML-DSA-65 (FIPS 204, pure), Ed25519 (RFC 8032) and ECDSA P-256 with SHA-256
// (DER-encoded signature, as X.509, TLS and RFC 7427 carry it). The algorithm follows from
// the key; any other key type is refused.
//
// Without a context (TLS, X.509, IKEv2) ML-DSA-65 signs with the empty context string and
// Ed25519 is pure Ed25519. With a context string, a signature is bound to one purpose: ML-DSA
// passes it as FIPS 204's ctx, Ed25519 becomes Ed25519ctx (RFC 8032 §5.1, the variant with a
// context), so a signature made for one purpose never verifies for another or without it.

#include <cstddef>
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

// A context string: 1 to 255 bytes (FIPS 204 and RFC 8032 bound it to 255; Ed25519ctx
// forbids the empty one). ECDSA has no context: a context with an ECDSA key is
// errc::invalid_argument, as is an empty or longer context.
struct SignatureContext {
  std::string_view value;
};
inline constexpr std::size_t kMaxSignatureContextBytes = 255;

core::Result<std::vector<std::uint8_t>> sign(const PrivateKey& key,
                                             std::span<const std::uint8_t> message);
core::Result<std::vector<std::uint8_t>> sign(const PrivateKey& key,
                                             std::span<const std::uint8_t> message,
                                             SignatureContext context);

// Success, or errc::bad_signature when the signature does not verify (including a
// malformed signature).
core::Result<void> verify(const PublicKey& key, std::span<const std::uint8_t> message,
                          std::span<const std::uint8_t> signature);
core::Result<void> verify(const PublicKey& key, std::span<const std::uint8_t> message,
                          std::span<const std::uint8_t> signature, SignatureContext context);

}  // namespace pqbranch::crypto
