#pragma once
// The two release keys: ML-DSA-65 and Ed25519. Agents pin the public halves (PEM
// SubjectPublicKeyInfo files); the release tool holds the private halves. Each key is
// checked to be of its algorithm when it is loaded, so a verification can never run with
// the other algorithm's key in its place.

#include <filesystem>
#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/crypto/keys.hpp"

namespace pqbranch::update {

// The agent's pinned public keys.
class ReleaseKeys {
 public:
  // crypto::errc::bad_key when a key is not of its algorithm.
  static core::Result<ReleaseKeys> create(crypto::PublicKey ml_dsa_65, crypto::PublicKey ed25519);
  [[nodiscard]] const crypto::PublicKey& ml_dsa_65() const noexcept { return ml_dsa_65_; }
  [[nodiscard]] const crypto::PublicKey& ed25519() const noexcept { return ed25519_; }

 private:
  ReleaseKeys(crypto::PublicKey ml_dsa_65, crypto::PublicKey ed25519) noexcept
      : ml_dsa_65_(std::move(ml_dsa_65)), ed25519_(std::move(ed25519)) {}
  crypto::PublicKey ml_dsa_65_;
  crypto::PublicKey ed25519_;
};

// The release tool's private keys.
class ReleaseSigningKeys {
 public:
  static core::Result<ReleaseSigningKeys> create(crypto::PrivateKey ml_dsa_65,
                                                 crypto::PrivateKey ed25519);
  [[nodiscard]] const crypto::PrivateKey& ml_dsa_65() const noexcept { return ml_dsa_65_; }
  [[nodiscard]] const crypto::PrivateKey& ed25519() const noexcept { return ed25519_; }
  // The public halves, as an agent would pin them.
  [[nodiscard]] core::Result<ReleaseKeys> public_keys() const;

 private:
  ReleaseSigningKeys(crypto::PrivateKey ml_dsa_65, crypto::PrivateKey ed25519) noexcept
      : ml_dsa_65_(std::move(ml_dsa_65)), ed25519_(std::move(ed25519)) {}
  crypto::PrivateKey ml_dsa_65_;
  crypto::PrivateKey ed25519_;
};

// Loads the two pinned PEM public keys (crypto::errc::file_unreadable, bad_key).
core::Result<ReleaseKeys> load_release_keys(const std::filesystem::path& ml_dsa_65_pem,
                                            const std::filesystem::path& ed25519_pem);

// A release key directory, as `pqbranch-release keygen` writes it.
inline constexpr std::string_view kMlDsaKeyFile = "ml-dsa-65.key";
inline constexpr std::string_view kMlDsaPublicFile = "ml-dsa-65.pub";
inline constexpr std::string_view kEd25519KeyFile = "ed25519.key";
inline constexpr std::string_view kEd25519PublicFile = "ed25519.pub";

// Generates both key pairs into `dir` (created if missing, mode 0700): private keys 0600,
// public keys 0644. Refuses (changing nothing) when any of the four files exists.
core::Result<void> generate_release_keys(const std::filesystem::path& dir);
core::Result<ReleaseSigningKeys> load_release_signing_keys(const std::filesystem::path& dir);
core::Result<ReleaseKeys> load_release_keys(const std::filesystem::path& dir);

}  // namespace pqbranch::update
