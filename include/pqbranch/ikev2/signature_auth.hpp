#pragma once
// AUTH method 14 (Digital Signature, RFC 7427 §3) over the signed octets of auth_octets.hpp:
// the scheme follows from the key (ECDSA P-256 → ecdsa-with-SHA256, Ed25519 → Ed25519,
// RFC 8420); other keys are errc::unsupported_algorithm.

#include <cstdint>
#include <span>

#include "pqbranch/core/error.hpp"
#include "pqbranch/crypto/keys.hpp"
#include "pqbranch/ikev2/auth_payload.hpp"

namespace pqbranch::ikev2 {

// Signs `octets` and wraps the signature as AUTH method 14 data.
core::Result<AuthPayload> sign_auth(const crypto::PrivateKey& key,
                                    std::span<const std::uint8_t> octets);

// Checks a received AUTH payload: method 14, an AlgorithmIdentifier that matches the peer's
// key (unsupported_algorithm otherwise, e.g. a SHA-384 scheme with a P-256 key), and a
// signature that verifies over `octets` (integrity_check_failed otherwise).
core::Result<void> verify_auth_signature(const crypto::PublicKey& key, const AuthPayload& auth,
                                         std::span<const std::uint8_t> octets);

}  // namespace pqbranch::ikev2
