#pragma once
// Why a key-service message or NAT hello was refused. Every decoder returns one of these
// with a detail naming the field (e.g. "tunnel.selectors[2].edge"), never throws.

#include "pqbranch/core/error.hpp"

namespace pqbranch::wire {

enum class errc {
  // JSON bodies
  body_too_large = 1,   // larger than kMaxBodyBytes
  malformed_json,       // not JSON, invalid UTF-8, trailing data or nested too deep
  duplicate_field,      // the same name twice in one object (RFC 7493 §2.3)
  unsupported_version,  // "version" is not ours
  missing_field,        // a required field is absent
  unknown_field,        // a field the schema does not have
  wrong_type,           // e.g. a string where an integer belongs, or a fraction
  negative_number,      // a negative integer in an unsigned field
  out_of_range,         // an integer outside the field's range (SPI < 256, port 0, ...)
  bad_value,            // unknown enum literal, bad hex, control characters, wrong constant
  bad_address,          // not an IP address or prefix (or host bits set)
  too_many_items,       // an array over its bound
  too_long,             // a string over its bound
  inconsistent_fields,  // fields that contradict each other (families, mode vs if_id, ...)
  // NAT hello datagrams
  bad_length,      // not exactly kNatHelloSize bytes
  bad_marker,      // does not start with the non-ESP marker (RFC 3948 §2.2)
  bad_magic,       // not a pqbranch hello
  bad_mac,         // HMAC does not verify
  bad_key,         // HMAC key of the wrong size
  crypto_failure,  // OpenSSL failed to compute the HMAC
};

const char* describe(errc e) noexcept;
PQB_ERROR_ENUM(errc, "pqbranch.wire")

}  // namespace pqbranch::wire

PQB_ERROR_ENUM_TRAIT(pqbranch::wire::errc);
