#pragma once
// Why a release was refused or an update step did not happen. Every check of the update
// module returns one of these with a detail naming what failed, never throws; each refusal
// is also counted (metric "update_refused_total{reason}") by the caller.

#include "pqbranch/core/error.hpp"

namespace pqbranch::update {

enum class errc {
  // The manifest as bytes
  manifest_too_large = 1,  // over the manifest size bound
  malformed_manifest,      // not the manifest format (syntax, missing or unknown field, bad value)
  // Its signatures
  signature_missing,  // one of the two signatures (ML-DSA-65, Ed25519) is absent
  signature_invalid,  // a signature does not verify with the pinned key of its algorithm
  // Its promises
  not_yet_valid,      // now is before not-before
  expired,            // now is at or after expiry (freeze attack)
  downgrade,          // version not above the running one, and not a signed rollback
  too_old_to_update,  // the running version is below the manifest's minimum
  wrong_channel,      // the manifest names another channel
  // The package it describes
  package_too_large,  // over the size the manifest gives, or over the download bound
  package_truncated,  // shorter than the manifest's size
  hash_mismatch,      // SHA-256 differs from the manifest's
  // Scheduling and operator holds
  outside_window,  // no interrupt window open now with room for the install
  embargoed,       // today is an embargo date
  paused,          // the operator paused updates
  pinned,          // the operator pinned another version
  failed_before,   // this version failed its health gate here once; never retried
  bad_time_zone,   // a window names a zone the tz database lacks
  // The files shared with the root updater
  bad_install_request,       // a request the updater would refuse (path, version, hash)
  malformed_updater_result,  // the updater's result file is not in its format
  // The agent's own state
  bad_update_state,  // the agent's update state file is not in its format
};

const char* describe(errc e) noexcept;
PQB_ERROR_ENUM(errc, "pqbranch.update")

}  // namespace pqbranch::update

PQB_ERROR_ENUM_TRAIT(pqbranch::update::errc);
