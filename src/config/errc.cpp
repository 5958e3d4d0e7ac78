#include "pqbranch/config/errc.hpp"

namespace pqbranch::config {

const char* describe(errc e) noexcept {
  switch (e) {
    case errc::file_not_found:
      return "configuration file not found";
    case errc::file_unreadable:
      return "configuration file unreadable";
    case errc::file_too_large:
      return "configuration file too large";
    case errc::syntax_error:
      return "TOML syntax error";
    case errc::unknown_key:
      return "unknown key";
    case errc::missing_key:
      return "missing required key";
    case errc::wrong_type:
      return "wrong type";
    case errc::out_of_range:
      return "value out of range";
    case errc::bad_choice:
      return "not one of the allowed values";
    case errc::bad_duration:
      return "bad duration";
    case errc::bad_size:
      return "bad size";
    case errc::bad_address:
      return "bad address";
    case errc::bad_endpoint:
      return "bad endpoint";
    case errc::unknown_group:
      return "unknown key-exchange group";
    case errc::classical_group_not_allowed:
      return "classical group not allowed";
    case errc::invalid_value:
      return "invalid setting";
    case errc::unknown_time_zone:
      return "unknown time zone";
    case errc::bad_date:
      return "bad date";
  }
  return "unknown config error";
}

}  // namespace pqbranch::config
