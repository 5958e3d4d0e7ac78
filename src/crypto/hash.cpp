#include "pqbranch/crypto/hash.hpp"

#include <openssl/evp.h>

#include "pqbranch/crypto/error.hpp"

#include "hash_name.hpp"
#include "openssl_error.hpp"

namespace pqbranch::crypto {
namespace detail {
const char* hash_name(Hash h) noexcept {
  switch (h) {
    case Hash::sha256:
      return "SHA256";
    case Hash::sha384:
      return "SHA384";
    case Hash::sha512:
      return "SHA512";
  }
  return "SHA256";
}
}  // namespace detail

core::Result<std::vector<std::uint8_t>> digest(Hash h, std::span<const std::uint8_t> data) {
  const detail::ErrorQueueScope scope;
  std::vector<std::uint8_t> out(digest_size(h));
  std::size_t len = 0;
  if (EVP_Q_digest(nullptr, detail::hash_name(h), nullptr, data.data(), data.size(), out.data(),
                   &len) != 1 ||
      len != out.size()) {
    return detail::openssl_error(errc::backend, "digest");
  }
  return out;
}

core::Result<std::array<std::uint8_t, 20>> sha1_digest(std::span<const std::uint8_t> data) {
  const detail::ErrorQueueScope scope;
  std::array<std::uint8_t, 20> out{};
  std::size_t len = 0;
  if (EVP_Q_digest(nullptr, "SHA1", nullptr, data.data(), data.size(), out.data(), &len) != 1 ||
      len != out.size()) {
    return detail::openssl_error(errc::backend, "SHA-1 digest");
  }
  return out;
}

core::Result<core::SecureBytes> hmac(Hash h, std::span<const std::uint8_t> key,
                                     std::span<const std::uint8_t> data) {
  const detail::ErrorQueueScope scope;
  core::SecureBytes out(digest_size(h));
  std::size_t len = 0;
  // EVP_Q_mac rejects a null key pointer even for a zero-length key.
  static const std::uint8_t kEmpty = 0;
  const std::uint8_t* k = key.empty() ? &kEmpty : key.data();
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, detail::hash_name(h), nullptr, k, key.size(), data.data(),
                data.size(), out.data(), out.size(), &len) == nullptr ||
      len != out.size()) {
    return detail::openssl_error(errc::backend, "HMAC");
  }
  return out;
}

}  // namespace pqbranch::crypto
