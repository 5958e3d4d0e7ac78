#pragma once
// The IANA time zone database (std::chrono::tzdb, read from the system's tzdata), reached
// without exceptions: a missing or unreadable database is an error value, not a throw.

#include <chrono>
#include <string>
#include <string_view>

#include "pqbranch/core/error.hpp"

namespace pqbranch::config {

// The zone (or link) named `name`, e.g. "Europe/Berlin"; errc::unknown_time_zone when the
// database lacks it or cannot be read. The zone lives as long as the program.
core::Result<const std::chrono::time_zone*> find_time_zone(std::string_view name);

// The database's version ("2025b"), for logs: a window's meaning depends on it.
core::Result<std::string> tz_database_version();

}  // namespace pqbranch::config
