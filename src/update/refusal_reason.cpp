#include "pqbranch/update/refusal_reason.hpp"

namespace pqbranch::update {

std::string_view reason_label(errc e) noexcept {
  switch (e) {
    case errc::manifest_too_large:
      return "manifest_too_large";
    case errc::malformed_manifest:
      return "malformed_manifest";
    case errc::signature_missing:
      return "signature_missing";
    case errc::signature_invalid:
      return "signature_invalid";
    case errc::not_yet_valid:
      return "not_yet_valid";
    case errc::expired:
      return "expired";
    case errc::downgrade:
      return "downgrade";
    case errc::too_old_to_update:
      return "too_old_to_update";
    case errc::wrong_channel:
      return "wrong_channel";
    case errc::package_too_large:
      return "package_too_large";
    case errc::package_truncated:
      return "package_truncated";
    case errc::hash_mismatch:
      return "hash_mismatch";
    case errc::outside_window:
      return "outside_window";
    case errc::embargoed:
      return "embargoed";
    case errc::paused:
      return "paused";
    case errc::pinned:
      return "pinned";
    case errc::failed_before:
      return "failed_before";
    case errc::bad_time_zone:
      return "bad_time_zone";
    case errc::bad_install_request:
      return "bad_install_request";
    case errc::malformed_updater_result:
      return "malformed_updater_result";
    case errc::bad_update_state:
      return "bad_update_state";
  }
  return "other";
}

std::string_view reason_label(const core::Error& e) noexcept {
  if (e.code.category() != errc_category()) return "other";
  return reason_label(static_cast<errc>(e.code.value()));
}

}  // namespace pqbranch::update
