#include "pqbranch/crypto/random.hpp"

#include <openssl/rand.h>

#include "pqbranch/crypto/error.hpp"

#include "openssl_error.hpp"

namespace pqbranch::crypto {

core::Result<core::SecureBytes> random_bytes(std::size_t n) {
  const detail::ErrorQueueScope scope;
  core::SecureBytes out(n);
  if (n != 0 && RAND_priv_bytes_ex(nullptr, out.data(), n, 0) != 1) {
    return detail::openssl_error(errc::backend, "RAND_priv_bytes");
  }
  return out;
}

core::Result<void> random_fill(std::span<std::uint8_t> out) {
  const detail::ErrorQueueScope scope;
  if (!out.empty() && RAND_bytes_ex(nullptr, out.data(), out.size(), 0) != 1) {
    return detail::openssl_error(errc::backend, "RAND_bytes");
  }
  return {};
}

}  // namespace pqbranch::crypto
