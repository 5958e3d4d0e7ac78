#include "pqbranch/update/errc.hpp"

namespace pqbranch::update {

const char* describe(errc e) noexcept {
  switch (e) {
    case errc::manifest_too_large:
      return "release manifest too large";
    case errc::malformed_manifest:
      return "malformed release manifest";
    case errc::signature_missing:
      return "release manifest signature missing";
    case errc::signature_invalid:
      return "release manifest signature does not verify";
    case errc::not_yet_valid:
      return "release manifest not yet valid";
    case errc::expired:
      return "release manifest expired";
    case errc::downgrade:
      return "release is not newer than the running version";
    case errc::too_old_to_update:
      return "running version is below the release's minimum";
    case errc::wrong_channel:
      return "release manifest is for another channel";
    case errc::package_too_large:
      return "package larger than announced";
    case errc::package_truncated:
      return "package shorter than announced";
    case errc::hash_mismatch:
      return "package SHA-256 does not match the manifest";
    case errc::outside_window:
      return "no interrupt window open with room for the install";
    case errc::embargoed:
      return "today is an embargo date";
    case errc::paused:
      return "updates are paused by the operator";
    case errc::pinned:
      return "updates are pinned to another version";
    case errc::failed_before:
      return "this version failed its health gate before";
    case errc::bad_time_zone:
      return "unknown time zone";
    case errc::bad_install_request:
      return "install request the root updater would refuse";
    case errc::malformed_updater_result:
      return "malformed root updater result";
    case errc::bad_update_state:
      return "malformed agent update state";
  }
  return "unknown update error";
}

}  // namespace pqbranch::update
