#pragma once
// The config module's error codes. An error's detail names the place: "file:line:col: key: why".

#include "pqbranch/core/error.hpp"

namespace pqbranch::config {

enum class errc {
  file_not_found = 1,
  file_unreadable,
  file_too_large,
  syntax_error,
  unknown_key,
  missing_key,
  wrong_type,
  out_of_range,
  bad_choice,
  bad_duration,
  bad_size,
  bad_address,
  bad_endpoint,
  unknown_group,
  classical_group_not_allowed,
  invalid_value,      // a rule between settings is broken (e.g. soft lifetime >= hard lifetime)
  unknown_time_zone,  // not in the tz database (or the database is unreadable)
  bad_date,           // not a real calendar date "YYYY-MM-DD"
};
const char* describe(errc e) noexcept;
PQB_ERROR_ENUM(errc, "pqbranch.config")

}  // namespace pqbranch::config

PQB_ERROR_ENUM_TRAIT(pqbranch::config::errc);
