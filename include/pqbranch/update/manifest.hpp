#pragma once
// The signed release manifest (docs/updates.md, "Releases"): a small text file naming one
// package of one channel, signed with ML-DSA-65 and Ed25519. Parsing is strict (exactly
// these fields in this order, each once, one spelling per value); any deviation is
// errc::malformed_manifest with a detail naming the line. A parsed manifest is not yet
// trusted: only verify_release (release_verify.hpp) hands out a Manifest to act on.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/release_names.hpp"
#include "pqbranch/update/utc_time.hpp"
#include "pqbranch/update/version.hpp"

namespace pqbranch::update {

// The names and bounds the key service shares (core/release_names.hpp).
using core::is_channel_name;
using core::is_package_file_name;
using core::kMaxChannelBytes;
using core::kMaxManifestBytes;
using core::kMaxPackageBytes;
using core::kMaxPackageNameBytes;
inline constexpr std::string_view kManifestHeader = "pqbranch-release 1";

struct Manifest {
  std::string channel;  // [a-z0-9-]{1,32}
  Version version;
  std::string package;  // a Debian file name, no directory
  std::uint64_t size = 0;
  std::array<std::uint8_t, 32> sha256{};
  Version minimum_version;  // agents below it must not install this package
  UtcSeconds not_before{};
  UtcSeconds expires{};  // after not_before
  bool rollback = false;
  friend bool operator==(const Manifest&, const Manifest&) = default;
};

struct SignedManifest {
  // The signed bytes: every byte before the first "sig-" line (header and fields, each
  // ending in LF).
  std::string message;
  // Decoded signatures; empty when the file has no line for it.
  std::vector<std::uint8_t> ml_dsa_65;
  std::vector<std::uint8_t> ed25519;
  // What `message` says, unverified: read it only through verify_release.
  Manifest unverified;
};

// errc::manifest_too_large over kMaxManifestBytes; errc::malformed_manifest for anything
// that is not the format, naming the line.
[[nodiscard]] core::Result<SignedManifest> parse_signed_manifest(std::string_view file);

// The signed message for `m`: the header and the fields, each line ending in LF. Checks
// what parse_signed_manifest checks (errc::malformed_manifest), so a manifest that is
// written can be read back.
[[nodiscard]] core::Result<std::string> manifest_message(const Manifest& m);

// The whole file: `message` followed by the two signature lines.
[[nodiscard]] std::string manifest_file(std::string_view message,
                                        std::span<const std::uint8_t> ml_dsa_65,
                                        std::span<const std::uint8_t> ed25519);

// 64 lowercase hex digits, as the manifest spells a SHA-256.
[[nodiscard]] std::string sha256_hex(const std::array<std::uint8_t, 32>& digest);

}  // namespace pqbranch::update
