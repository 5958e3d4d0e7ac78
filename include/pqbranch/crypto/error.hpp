#pragma once
// The crypto module's error codes. A Result's detail names the operation, the file or the
// value, plus OpenSSL's error-queue text where it explains the failure; never key bytes.

#include "pqbranch/core/error.hpp"

namespace pqbranch::crypto {

enum class errc {
  backend = 1,            // an OpenSSL call failed where it should not (allocation, internal)
  invalid_argument,       // a length or size outside what the algorithm allows
  bad_group,              // unknown TLS group name, or not a hybrid group
  classical_not_allowed,  // a classical group without allow_classical = true
  bad_signature_algorithm,
  file_unreadable,        // missing or unreadable certificate or key file
  key_file_permissions,   // a private key file readable by group or others
  bad_certificate,        // a certificate file that does not parse or does not match its key
  bad_key,                // a key that does not parse or fails its validity check
  authentication_failed,  // AEAD tag mismatch: the data was modified or the key is wrong
  bad_signature,          // a signature that does not verify
  no_handshake,           // the connection has not completed a TLS 1.3 handshake
  group_not_allowed,      // the negotiated group is not in the configured list
};
const char* describe(errc e) noexcept;
PQB_ERROR_ENUM(errc, "pqbranch.crypto")

}  // namespace pqbranch::crypto

PQB_ERROR_ENUM_TRAIT(pqbranch::crypto::errc);
