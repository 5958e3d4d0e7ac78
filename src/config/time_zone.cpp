#include "pqbranch/config/time_zone.hpp"

#include <exception>

#include "pqbranch/config/errc.hpp"

namespace pqbranch::config {
namespace {

// get_tzdb() loads the database on first use and throws if it cannot.
core::Result<const std::chrono::tzdb*> database() {
  try {
    return &std::chrono::get_tzdb();
  } catch (const std::exception& e) {
    return core::make_error(errc::unknown_time_zone,
                            std::string("the time zone database cannot be read: ") + e.what());
  }
}

}  // namespace

core::Result<const std::chrono::time_zone*> find_time_zone(std::string_view name) {
  auto db = database();
  if (!db) return db.error();
  try {
    return (*db)->locate_zone(name);
  } catch (const std::exception&) {
    return core::make_error(errc::unknown_time_zone,
                            "unknown time zone \"" + std::string(name) +
                                "\" (not in the tz database; use an IANA name such as "
                                "\"Europe/Berlin\")");
  }
}

core::Result<std::string> tz_database_version() {
  auto db = database();
  if (!db) return db.error();
  return (*db)->version;
}

}  // namespace pqbranch::config
