#pragma once
// Whether an agent may install a release: the manifest's signatures, then its promises
// against the agent's channel, clock and running version. Pure: the caller passes `now` and
// the running version.

#include <chrono>
#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/update/manifest.hpp"
#include "pqbranch/update/release_keys.hpp"
#include "pqbranch/update/version.hpp"

namespace pqbranch::update {

// The checks, in this order, the first failure returned:
//  1. both signatures (verify_signatures): signature_missing, signature_invalid;
//  2. the manifest's channel is `channel`: wrong_channel;
//  3. now ≥ not_before: not_yet_valid;
//  4. now < expires: expired (a frozen mirror cannot keep serving an old release);
//  5. without rollback, version > running; with rollback=yes, version < running: downgrade
//     (a rollback is signed like any release, and never an upgrade: an agent already at
//     or below the rollback's version keeps what it runs);
//  6. running ≥ minimum_version: too_old_to_update.
// Nothing of the manifest is read before its signatures verify.
[[nodiscard]] core::Result<Manifest> verify_release(const SignedManifest& signed_manifest,
                                                    const ReleaseKeys& keys, const Version& running,
                                                    std::string_view channel,
                                                    std::chrono::system_clock::time_point now);

}  // namespace pqbranch::update
