#pragma once
// The two signatures of a release manifest. Both are made over the manifest's message with
// the context string kReleaseSignatureContext (ML-DSA-65's FIPS 204 ctx; Ed25519ctx, RFC 8032
// §5.1), so no signature made by these keys for anything else verifies as a release, and
// both must verify with the pinned key of their algorithm: breaking one algorithm is not
// enough to publish a release.

#include <string>
#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/update/manifest.hpp"
#include "pqbranch/update/release_keys.hpp"

namespace pqbranch::update {

inline constexpr std::string_view kReleaseSignatureContext = "pqbranch release manifest v1";

// The whole manifest file for `m`, signed with both keys (errc::malformed_manifest when `m`
// has a value the format cannot carry).
[[nodiscard]] core::Result<std::string> sign_manifest(const Manifest& m,
                                                      const ReleaseSigningKeys& keys);

// The manifest, once both signatures verify: errc::signature_missing when a signature line
// is absent (ML-DSA-65 checked first), errc::signature_invalid when one does not verify with
// its pinned key and the release context. Checks nothing else (see verify_release).
[[nodiscard]] core::Result<Manifest> verify_signatures(const SignedManifest& signed_manifest,
                                                       const ReleaseKeys& keys);

}  // namespace pqbranch::update
