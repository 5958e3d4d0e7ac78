#include "pqbranch/crypto/hkdf.hpp"

#include <array>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/crypto/error.hpp"

#include "hash_name.hpp"
#include "openssl_error.hpp"

namespace pqbranch::crypto {
namespace {

using Kdf = core::CHandle<EVP_KDF, EVP_KDF_free>;
using KdfCtx = core::CHandle<EVP_KDF_CTX, EVP_KDF_CTX_free>;

// OSSL_PARAM wants non-const pointers even for inputs it only reads.
void* in(std::span<const std::uint8_t> s) {
  static std::uint8_t empty = 0;
  return s.empty() ? &empty : const_cast<std::uint8_t*>(s.data());  // NOLINT
}

core::Result<core::SecureBytes> run(Hash h, int mode, std::span<const std::uint8_t> key,
                                    std::span<const std::uint8_t> salt,
                                    std::span<const std::uint8_t> info, std::size_t length) {
  const detail::ErrorQueueScope scope;
  const Kdf kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
  if (!kdf) return detail::openssl_error(errc::backend, "fetching HKDF");
  const KdfCtx ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return detail::openssl_error(errc::backend, "EVP_KDF_CTX_new");
  std::array<OSSL_PARAM, 6> params{};
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(
      OSSL_KDF_PARAM_DIGEST, const_cast<char*>(detail::hash_name(h)), 0);  // NOLINT
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, in(key), key.size());
  if (!salt.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, in(salt), salt.size());
  }
  if (!info.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, in(info), info.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  core::SecureBytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params.data()) != 1) {
    return detail::openssl_error(errc::backend, "HKDF");
  }
  return out;
}

}  // namespace

core::Result<core::SecureBytes> hkdf_extract(Hash h, std::span<const std::uint8_t> salt,
                                             std::span<const std::uint8_t> ikm) {
  return run(h, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, salt, {}, digest_size(h));
}

core::Result<core::SecureBytes> hkdf_expand(Hash h, std::span<const std::uint8_t> prk,
                                            std::span<const std::uint8_t> info,
                                            std::size_t length) {
  if (length == 0 || length > 255 * digest_size(h)) {
    return core::make_error(errc::invalid_argument, "HKDF output length must be 1..255*HashLen");
  }
  if (prk.size() < digest_size(h)) {
    return core::make_error(errc::invalid_argument, "HKDF PRK shorter than HashLen");
  }
  return run(h, EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, {}, info, length);
}

core::Result<core::SecureBytes> hkdf(Hash h, std::span<const std::uint8_t> salt,
                                     std::span<const std::uint8_t> ikm,
                                     std::span<const std::uint8_t> info, std::size_t length) {
  auto prk = hkdf_extract(h, salt, ikm);
  if (!prk) return prk.error();
  return hkdf_expand(h, prk->span(), info, length);
}

}  // namespace pqbranch::crypto
