#pragma once
// Whether a package is the one a verified manifest describes: exactly `size` bytes whose
// SHA-256 is `sha256`. Streaming, so a package is checked as it is read (or downloaded)
// without being held in memory, and an oversized one is refused at the first byte too many.

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>

#include "pqbranch/core/error.hpp"
#include "pqbranch/crypto/hash.hpp"
#include "pqbranch/update/manifest.hpp"

namespace pqbranch::update {

class PackageCheck {
 public:
  static core::Result<PackageCheck> create(const Manifest& m);

  // errc::package_too_large once more than the manifest's size has arrived.
  core::Result<void> update(std::span<const std::uint8_t> data);
  // errc::package_truncated when fewer bytes arrived, hash_mismatch when the digest
  // differs. Ends the check.
  core::Result<void> finish();
  [[nodiscard]] std::uint64_t received() const noexcept { return received_; }

 private:
  PackageCheck(crypto::HashStream hash, const Manifest& m) noexcept
      : hash_(std::move(hash)), size_(m.size), sha256_(m.sha256) {}
  crypto::HashStream hash_;
  std::uint64_t size_;
  std::array<std::uint8_t, 32> sha256_;
  std::uint64_t received_ = 0;
};

// Reads `file` through a PackageCheck. A file larger than the manifest's size is refused
// from its length before it is read. File errors carry the errno (system category).
core::Result<void> check_package(const std::filesystem::path& file, const Manifest& m);

// Size and SHA-256 of `file`, for the release tool (at most kMaxPackageBytes).
struct PackageDigest {
  std::uint64_t size = 0;
  std::array<std::uint8_t, 32> sha256{};
};
core::Result<PackageDigest> digest_package(const std::filesystem::path& file);

}  // namespace pqbranch::update
