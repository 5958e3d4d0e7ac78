#pragma once
// IKEv2 transform IDs (IANA "IKEv2 Parameters"; RFC 7296 §3.3.2) that a configuration names
// and the IKEv2 codec sends and receives: one vocabulary for both (ikev2 uses config).

#include <cstdint>

namespace pqbranch::config {

// Transform Type 2 (PRF), RFC 4868.
enum class IkePrf : std::uint16_t { hmac_sha256 = 5, hmac_sha384 = 6, hmac_sha512 = 7 };

// Transform Type 4 (Key Exchange Method) and 6..12 (ADDKEn, RFC 9370).
enum class KeMethod : std::uint16_t {
  none = 0,        // ADDKEn NONE
  ecp256 = 19,     // RFC 5903
  ecp384 = 20,     // RFC 5903
  x25519 = 31,     // RFC 8031
  mlkem512 = 35,   // draft-ietf-ipsecme-ikev2-mlkem (never configured: below our floor)
  mlkem768 = 36,   // draft-ietf-ipsecme-ikev2-mlkem
  mlkem1024 = 37,  // draft-ietf-ipsecme-ikev2-mlkem
};

}  // namespace pqbranch::config
