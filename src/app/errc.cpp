#include "pqbranch/app/errc.hpp"

namespace pqbranch::app {

const char* describe(errc e) noexcept {
  switch (e) {
    case errc::unknown_command:
      return "unknown command";
    case errc::bad_version:
      return "not a release version (MAJOR.MINOR.PATCH)";
    case errc::request_too_long:
      return "request line too long";
    case errc::not_configured:
      return "updates are not configured";
    case errc::reload_refused:
      return "config reload refused";
  }
  return "unknown app error";
}

}  // namespace pqbranch::app
