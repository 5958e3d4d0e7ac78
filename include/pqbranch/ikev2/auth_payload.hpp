#pragma once
// Authentication payload (RFC 7296 §3.8): method 2 (shared key MIC) and method 14 (Digital
// Signature, RFC 7427 §3), whose data is an ASN.1 AlgorithmIdentifier with a one-byte length
// in front, then the signature.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Auth Method   |                RESERVED                       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                      Authentication Data                      ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// RFC 7427 §3, Authentication Data for method 14:
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | ASN.1 Length  | AlgorithmIdentifier ASN.1 object              |
// +-+-+-+-+-+-+-+-+                                               +
// ~                 AlgorithmIdentifier ASN.1 object              ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                         Signature Value                       ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/constants.hpp"

namespace pqbranch::ikev2 {

inline constexpr std::size_t kMaxAuthDataSize = 4096;

struct AuthPayload {
  AuthMethod method = AuthMethod::shared_key_mic;
  std::vector<std::uint8_t> data;

  friend bool operator==(const AuthPayload&, const AuthPayload&) = default;
};

// Non-empty data up to kMaxAuthDataSize; for method 14, data that parses as below.
core::Result<void> verify(const AuthPayload& a);
void append_body(const AuthPayload& a, std::vector<std::uint8_t>& out);
core::Result<AuthPayload> parse_auth_payload(std::span<const std::uint8_t> body);

// RFC 7427 signature schemes we know the AlgorithmIdentifier of (RFC 7427 Appendix A,
// RFC 8420 for Ed25519). ECDSA signature values are DER Ecdsa-Sig-Value (RFC 7427 §3).
enum class SignatureScheme { ecdsa_with_sha256, ecdsa_with_sha384, ed25519 };

[[nodiscard]] std::string_view to_string(SignatureScheme s) noexcept;
// The DER AlgorithmIdentifier (e.g. 30 0a 06 08 2a 86 48 ce 3d 04 03 02 for
// ecdsa-with-SHA256: parameters absent, RFC 5758 §3.2).
[[nodiscard]] std::span<const std::uint8_t> algorithm_identifier(SignatureScheme s) noexcept;
// The SIGNATURE_HASH_ALGORITHMS value the scheme needs announced (RFC 7427 §4).
[[nodiscard]] SignatureHash signature_hash(SignatureScheme s) noexcept;

struct DigitalSignature {
  SignatureScheme scheme = SignatureScheme::ecdsa_with_sha256;
  std::vector<std::uint8_t> signature;

  friend bool operator==(const DigitalSignature&, const DigitalSignature&) = default;
};

// AUTH method 14 data: length ‖ AlgorithmIdentifier ‖ signature.
[[nodiscard]] std::vector<std::uint8_t> encode_digital_signature(const DigitalSignature& s);
// Refuses a length byte beyond the data (truncated), an AlgorithmIdentifier we do not know
// (unsupported_algorithm), an empty signature (bad_length).
core::Result<DigitalSignature> parse_digital_signature(std::span<const std::uint8_t> data);

}  // namespace pqbranch::ikev2
