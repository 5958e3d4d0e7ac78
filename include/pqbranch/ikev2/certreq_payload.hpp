#pragma once
// Certificate Request payload (RFC 7296 §3.7). For encoding 4 the Certification Authority
// field is a concatenation of SHA-1 hashes of trusted CAs' public keys (SubjectPublicKeyInfo).
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Cert Encoding |                                               |
// +-+-+-+-+-+-+-+-+                                               |
// ~                    Certification Authority                    ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/constants.hpp"

namespace pqbranch::ikev2 {

inline constexpr std::size_t kCaHashSize = 20;
inline constexpr std::size_t kMaxCaHashes = 64;
using CaHash = std::array<std::uint8_t, kCaHashSize>;

struct CertReqPayload {
  CertEncoding encoding = CertEncoding::x509_signature;
  std::vector<CaHash> authorities;  // may be empty (any CA)

  friend bool operator==(const CertReqPayload&, const CertReqPayload&) = default;
};

// At most kMaxCaHashes; the parser refuses a field that is not a multiple of 20 bytes
// (bad_length) for encoding 4. Other encodings parse with no authorities.
core::Result<void> verify(const CertReqPayload& c);
void append_body(const CertReqPayload& c, std::vector<std::uint8_t>& out);
core::Result<CertReqPayload> parse_certreq_payload(std::span<const std::uint8_t> body);

}  // namespace pqbranch::ikev2
