#pragma once
// Asymmetric keys as owning handles. A PrivateKey or PublicKey owns its EVP_PKEY from the
// moment it exists; neither can be formatted or logged. Which operations a key supports
// (ML-KEM, signatures, ECDH) is checked by those functions, not here.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <openssl/evp.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/core/error.hpp"

namespace pqbranch::crypto {

using PkeyHandle = core::CHandle<EVP_PKEY, EVP_PKEY_free>;

class PublicKey {
 public:
  explicit PublicKey(PkeyHandle key) noexcept : key_(std::move(key)) {}
  // The backend's object, for the TLS and X.509 code that needs it; still owned here.
  [[nodiscard]] EVP_PKEY* native() const noexcept { return key_.get(); }
  // The backend's algorithm name: "ML-DSA-65", "ED25519", "EC", "ML-KEM-768", "X25519"...
  [[nodiscard]] std::string_view type_name() const noexcept;

 private:
  PkeyHandle key_;
};

class PrivateKey {
 public:
  explicit PrivateKey(PkeyHandle key) noexcept : key_(std::move(key)) {}
  [[nodiscard]] EVP_PKEY* native() const noexcept { return key_.get(); }
  [[nodiscard]] std::string_view type_name() const noexcept;
  // The public half as a key of its own (holding no private material).
  [[nodiscard]] core::Result<PublicKey> public_key() const;

 private:
  PkeyHandle key_;
};

// Private key files must be 0600 or 0400: a key file that group or others may read, write
// or execute is refused (errc::key_file_permissions), never merely warned about, because a
// warning in a log is easy to miss and the key would already be exposed.
core::Result<void> check_key_file_permissions(const std::filesystem::path& file);

// Loads a PEM private key (PKCS#8 or traditional). Checks the permissions on the opened
// file (no race between check and read); the file's bytes are wiped after parsing.
core::Result<PrivateKey> load_private_key(const std::filesystem::path& file);

// Writes `key` as unencrypted PKCS#8 PEM to a new file created with mode 0600; an existing
// file is an error, never overwritten.
core::Result<void> write_private_key(const PrivateKey& key, const std::filesystem::path& file);

// Loads a PEM public key (SubjectPublicKeyInfo, "BEGIN PUBLIC KEY"). Public keys are not
// secret: no permission check, but the file must be a regular file of at most 1 MiB.
core::Result<PublicKey> load_public_key(const std::filesystem::path& file);

// Writes `key` as PEM SubjectPublicKeyInfo to a new file created with mode 0644; an existing
// file is an error, never overwritten.
core::Result<void> write_public_key(const PublicKey& key, const std::filesystem::path& file);

// DER SubjectPublicKeyInfo, the algorithm-independent way to store or send a public key.
core::Result<std::vector<std::uint8_t>> public_key_der(const PublicKey& key);
core::Result<PublicKey> public_key_from_der(std::span<const std::uint8_t> der);

}  // namespace pqbranch::crypto
