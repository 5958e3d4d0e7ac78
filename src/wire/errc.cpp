#include "pqbranch/wire/errc.hpp"

namespace pqbranch::wire {

const char* describe(errc e) noexcept {
  switch (e) {
    case errc::body_too_large:
      return "message body too large";
    case errc::malformed_json:
      return "malformed JSON";
    case errc::duplicate_field:
      return "duplicate field";
    case errc::unsupported_version:
      return "unsupported protocol version";
    case errc::missing_field:
      return "missing field";
    case errc::unknown_field:
      return "unknown field";
    case errc::wrong_type:
      return "wrong type";
    case errc::negative_number:
      return "negative number";
    case errc::out_of_range:
      return "number out of range";
    case errc::bad_value:
      return "bad value";
    case errc::bad_address:
      return "bad address or prefix";
    case errc::too_many_items:
      return "too many items";
    case errc::too_long:
      return "string too long";
    case errc::inconsistent_fields:
      return "inconsistent fields";
    case errc::bad_length:
      return "datagram has the wrong length";
    case errc::bad_marker:
      return "datagram lacks the non-ESP marker";
    case errc::bad_magic:
      return "not a pqbranch NAT hello";
    case errc::bad_mac:
      return "NAT hello authentication failed";
    case errc::bad_key:
      return "NAT hello key has the wrong size";
    case errc::crypto_failure:
      return "HMAC computation failed";
  }
  return "unknown wire error";
}

}  // namespace pqbranch::wire
