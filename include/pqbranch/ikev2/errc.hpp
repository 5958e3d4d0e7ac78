#pragma once
// Why an IKEv2 message, payload or key derivation was refused. Every parser returns one of
// these with a detail naming the payload and field (e.g. "SA proposal 2 transform 3"); none
// throws, none reads outside the bytes it was given.

#include "pqbranch/core/error.hpp"

namespace pqbranch::ikev2 {

enum class errc {
  truncated = 1,                 // fewer bytes than a fixed part or a length field requires
  bad_length,                    // a length field inconsistent with its content or container
  bad_count,                     // a count field (transforms, SPIs, selectors) not matching data
  bad_version,                   // IKE major version other than 2 (RFC 7296 §3.1)
  bad_value,                     // a field with a value not allowed there (reserved bits, types)
  unsupported_critical_payload,  // unknown payload with the critical bit set (RFC 7296 §2.5)
  unexpected_encrypted_payload,  // SK or SKF in a plaintext parse (open_message, reassembly)
  missing_encrypted_payload,     // open_message on a message without an SK payload
  too_large,                     // a message or field over its limit
  integrity_check_failed,        // the SK payload's ICV does not verify (RFC 5282 §3)
  bad_key,                       // key material of the wrong size
  unsupported_algorithm,         // a transform ID this module does not implement
  invalid_argument,              // a caller's value out of range (e.g. a prf+ length)
  crypto_failure,                // the crypto backend failed
};

const char* describe(errc e) noexcept;
PQB_ERROR_ENUM(errc, "pqbranch.ikev2")

}  // namespace pqbranch::ikev2

PQB_ERROR_ENUM_TRAIT(pqbranch::ikev2::errc);
