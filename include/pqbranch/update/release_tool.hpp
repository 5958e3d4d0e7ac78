#pragma once
// What `pqbranch-release` does (docs/updates.md, "Releases"), apart from parsing its
// arguments: signing a package's manifest and verifying a manifest (and package) the way an
// agent would. `keygen` is generate_release_keys (release_keys.hpp).

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/update/manifest.hpp"

namespace pqbranch::update {

struct SignRequest {
  std::filesystem::path keys;  // a directory from generate_release_keys
  std::string channel;
  std::filesystem::path package;  // its file name becomes the manifest's package
  std::string version;
  std::string minimum_version;
  std::string valid_for;                  // a duration: see parse_duration
  std::optional<std::string> not_before;  // RFC 3339 UTC; default: now
  bool rollback = false;
  std::filesystem::path out;
};

// Reads the package (size, SHA-256), builds and signs its manifest, checks that the result
// verifies with the keys' public halves, and writes it to `out` atomically (mode 0644).
// Refuses, as errc::malformed_manifest naming the option, values the manifest cannot carry,
// a minimum version above the version, and an expiry already past at `now`.
core::Result<Manifest> sign_release(const SignRequest& request,
                                    std::chrono::system_clock::time_point now);

struct VerifyRequest {
  std::filesystem::path keys;  // the public keys are read from here
  std::filesystem::path manifest;
  std::optional<std::filesystem::path> package;
};

// Parses the manifest, verifies both signatures, refuses it when it has expired at `now`,
// and when a package is given checks its size and SHA-256. Channel and version are not
// checked: those depend on the agent.
core::Result<Manifest> verify_release_file(const VerifyRequest& request,
                                           std::chrono::system_clock::time_point now);

// Human-readable lines describing `m`, with its validity at `now`.
[[nodiscard]] std::string describe_manifest(const Manifest& m,
                                            std::chrono::system_clock::time_point now);

// "<n>s", "<n>m", "<n>h" or "<n>d", from 1 second to 366 days.
[[nodiscard]] std::optional<std::chrono::seconds> parse_duration(std::string_view text) noexcept;

}  // namespace pqbranch::update
