#include "pqbranch/rotation/generation.hpp"

namespace pqbranch::rotation {

const char* to_string(RefusalCode c) noexcept {
  switch (c) {
    case RefusalCode::bad_request:
      return "bad_request";
    case RefusalCode::busy:
      return "busy";
    case RefusalCode::internal_error:
      return "internal_error";
    case RefusalCode::unsupported_version:
      return "unsupported_version";
    case RefusalCode::unknown_site:
      return "unknown_site";
    case RefusalCode::not_found:
      return "not_found";
    case RefusalCode::method_not_allowed:
      return "method_not_allowed";
    case RefusalCode::spi_conflict:
      return "spi_conflict";
    case RefusalCode::generation_mismatch:
      return "generation_mismatch";
    case RefusalCode::nat_hello_missing:
      return "nat_hello_missing";
    case RefusalCode::payload_too_large:
      return "payload_too_large";
  }
  return "?";
}

}  // namespace pqbranch::rotation
