#pragma once
// Hash functions by name, and HMAC (RFC 2104): IKEv2's PRF-HMAC-SHA2 (RFC 4868) and the
// building block of HKDF. SHA-1 only for the one protocol that fixes it as a checksum.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"

namespace pqbranch::crypto {

enum class Hash { sha256, sha384, sha512 };

[[nodiscard]] constexpr std::size_t digest_size(Hash h) noexcept {
  switch (h) {
    case Hash::sha256:
      return 32;
    case Hash::sha384:
      return 48;
    case Hash::sha512:
      return 64;
  }
  return 0;
}

// The digest of `data` (not secret).
core::Result<std::vector<std::uint8_t>> digest(Hash h, std::span<const std::uint8_t> data);

// A digest over data that arrives in pieces (a package read from disk or the network), so it
// never has to be held whole. Move-only; `finish` ends it (a later update or finish is
// errc::invalid_argument).
class HashStream {
 public:
  static core::Result<HashStream> create(Hash h);
  HashStream(HashStream&&) noexcept;
  HashStream& operator=(HashStream&&) noexcept;
  HashStream(const HashStream&) = delete;
  HashStream& operator=(const HashStream&) = delete;
  ~HashStream();

  core::Result<void> update(std::span<const std::uint8_t> data);
  core::Result<std::vector<std::uint8_t>> finish();

 private:
  struct State;
  explicit HashStream(std::unique_ptr<State> state) noexcept;
  std::unique_ptr<State> state_;
};

// HMAC(key, data); the output is treated as key material.
core::Result<core::SecureBytes> hmac(Hash h, std::span<const std::uint8_t> key,
                                     std::span<const std::uint8_t> data);

// SHA-1, for IKEv2 NAT detection (RFC 7296 §2.23) only: there it is a checksum the RFC
// fixes, not a security function. Not part of `Hash`, so no HMAC or HKDF can use it.
core::Result<std::array<std::uint8_t, 20>> sha1_digest(std::span<const std::uint8_t> data);

}  // namespace pqbranch::crypto
