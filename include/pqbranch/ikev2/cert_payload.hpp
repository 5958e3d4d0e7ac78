#pragma once
// Certificate payload (RFC 7296 §3.6); we send and accept encoding 4 (X.509 Certificate -
// Signature, DER).
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Cert Encoding |                                               |
// +-+-+-+-+-+-+-+-+                                               |
// ~                       Certificate Data                        ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/constants.hpp"

namespace pqbranch::ikev2 {

struct CertPayload {
  CertEncoding encoding = CertEncoding::x509_signature;
  std::vector<std::uint8_t> data;  // DER certificate

  friend bool operator==(const CertPayload&, const CertPayload&) = default;
};

// Non-empty data; for encoding 4, data that starts as a DER SEQUENCE (0x30). Parsing the
// certificate itself is the X.509 code's job.
core::Result<void> verify(const CertPayload& c);
void append_body(const CertPayload& c, std::vector<std::uint8_t>& out);
core::Result<CertPayload> parse_cert_payload(std::span<const std::uint8_t> body);

}  // namespace pqbranch::ikev2
