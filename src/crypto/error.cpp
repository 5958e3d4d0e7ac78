#include "pqbranch/crypto/error.hpp"

namespace pqbranch::crypto {

const char* describe(errc e) noexcept {
  switch (e) {
    case errc::backend:
      return "crypto backend failure";
    case errc::invalid_argument:
      return "invalid argument";
    case errc::bad_group:
      return "not an allowed TLS group";
    case errc::classical_not_allowed:
      return "classical group needs allow_classical = true";
    case errc::bad_signature_algorithm:
      return "not an allowed signature algorithm";
    case errc::file_unreadable:
      return "file cannot be read";
    case errc::key_file_permissions:
      return "private key file is readable by group or others (must be 0600 or 0400)";
    case errc::bad_certificate:
      return "bad certificate";
    case errc::bad_key:
      return "bad key";
    case errc::authentication_failed:
      return "authentication failed";
    case errc::bad_signature:
      return "signature does not verify";
    case errc::no_handshake:
      return "no completed TLS 1.3 handshake";
    case errc::group_not_allowed:
      return "negotiated group is not in the configured list";
  }
  return "unknown crypto error";
}

}  // namespace pqbranch::crypto
