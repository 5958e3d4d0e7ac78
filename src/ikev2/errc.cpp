#include "pqbranch/ikev2/errc.hpp"

namespace pqbranch::ikev2 {

const char* describe(errc e) noexcept {
  switch (e) {
    case errc::truncated:
      return "IKEv2 data truncated";
    case errc::bad_length:
      return "IKEv2 length field inconsistent";
    case errc::bad_count:
      return "IKEv2 count field inconsistent";
    case errc::bad_version:
      return "unsupported IKE major version";
    case errc::bad_value:
      return "IKEv2 field value not allowed";
    case errc::unsupported_critical_payload:
      return "unsupported critical payload";
    case errc::unexpected_encrypted_payload:
      return "encrypted payload in a plaintext parse";
    case errc::missing_encrypted_payload:
      return "no encrypted payload";
    case errc::too_large:
      return "IKEv2 message or field too large";
    case errc::integrity_check_failed:
      return "IKEv2 integrity check failed";
    case errc::bad_key:
      return "IKEv2 key of the wrong size";
    case errc::unsupported_algorithm:
      return "unsupported IKEv2 algorithm";
    case errc::invalid_argument:
      return "invalid argument";
    case errc::crypto_failure:
      return "crypto backend failure";
  }
  return "unknown IKEv2 error";
}

}  // namespace pqbranch::ikev2
