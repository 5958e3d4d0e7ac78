#include "pqbranch/crypto/ecdh.hpp"

#include <array>

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/crypto/error.hpp"

#include "openssl_error.hpp"

namespace pqbranch::crypto {
namespace {

using PkeyCtx = core::CHandle<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;

// The OpenSSL group name of an EC group (nullptr for X25519).
const char* curve_of(EcdhGroup g) noexcept {
  switch (g) {
    case EcdhGroup::p256:
      return "P-256";
    case EcdhGroup::p384:
      return "P-384";
    case EcdhGroup::x25519:
      break;
  }
  return nullptr;
}

std::size_t public_size(EcdhGroup g) noexcept {
  switch (g) {
    case EcdhGroup::x25519:
      return 32;
    case EcdhGroup::p256:
      return 65;
    case EcdhGroup::p384:
      return 97;
  }
  return 0;
}

core::Result<EcdhGroup> group_of(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "X25519") == 1) return EcdhGroup::x25519;
  if (EVP_PKEY_is_a(key, "EC") == 1) {
    std::array<char, 64> name{};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name.data(), name.size(),
                                       &len) == 1) {
      const std::string_view n(name.data(), len);
      if (n == "prime256v1" || n == "P-256") return EcdhGroup::p256;
      if (n == "secp384r1" || n == "P-384") return EcdhGroup::p384;
    }
  }
  return core::make_error(errc::bad_key, "not an X25519, P-256 or P-384 key");
}

core::Result<PkeyHandle> import_peer(EcdhGroup g, std::span<const std::uint8_t> value) {
  if (value.size() != public_size(g)) {
    return core::make_error(errc::bad_key, fmt::format("{} public value is {} bytes, expected {}",
                                                       to_string(g), value.size(), public_size(g)));
  }
  if (g == EcdhGroup::x25519) {
    PkeyHandle k(
        EVP_PKEY_new_raw_public_key_ex(nullptr, "X25519", nullptr, value.data(), value.size()));
    if (!k) return detail::openssl_error(errc::bad_key, "X25519 public value");
    return k;
  }
  if (value[0] != 0x04) {
    return core::make_error(errc::bad_key, "EC public value is not an uncompressed point");
  }
  const PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return detail::openssl_error(errc::backend, "EC fromdata init");
  }
  std::array<OSSL_PARAM, 3> params{
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(curve_of(g)),
                                       0),  // NOLINT
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                        const_cast<std::uint8_t*>(value.data()),  // NOLINT
                                        value.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* raw = nullptr;
  // Decoding the point checks that it lies on the curve.
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.data()) != 1) {
    return detail::openssl_error(errc::bad_key, fmt::format("{} public value", to_string(g)));
  }
  return PkeyHandle(raw);
}

}  // namespace

std::string_view to_string(EcdhGroup g) noexcept {
  switch (g) {
    case EcdhGroup::x25519:
      return "X25519";
    case EcdhGroup::p256:
      return "P-256";
    case EcdhGroup::p384:
      return "P-384";
  }
  return "unknown";
}

core::Result<PrivateKey> ecdh_generate(EcdhGroup g) {
  const detail::ErrorQueueScope scope;
  PkeyHandle key(g == EcdhGroup::x25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519")
                                        : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve_of(g)));
  if (!key) return detail::openssl_error(errc::backend, fmt::format("{} keygen", to_string(g)));
  return PrivateKey(std::move(key));
}

core::Result<PrivateKey> ecdh_from_private(EcdhGroup g, std::span<const std::uint8_t> private_key) {
  if (g != EcdhGroup::x25519 || private_key.size() != 32) {
    return core::make_error(errc::invalid_argument, fmt::format("{} key from {} private bytes",
                                                                to_string(g), private_key.size()));
  }
  const detail::ErrorQueueScope scope;
  PkeyHandle key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(),
                                              private_key.size()));
  if (!key) return detail::openssl_error(errc::backend, "X25519 key from private bytes");
  return PrivateKey(std::move(key));
}

core::Result<std::vector<std::uint8_t>> ecdh_public_value(const PrivateKey& key) {
  const detail::ErrorQueueScope scope;
  auto g = group_of(key.native());
  if (!g) return g.error();
  std::vector<std::uint8_t> out(public_size(*g));
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key.native(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out.data(),
                                      out.size(), &len) != 1 ||
      len != out.size()) {
    return detail::openssl_error(errc::backend, "ECDH public value");
  }
  return out;
}

core::Result<core::SecureBytes> ecdh_derive(const PrivateKey& key,
                                            std::span<const std::uint8_t> peer_public) {
  const detail::ErrorQueueScope scope;
  auto g = group_of(key.native());
  if (!g) return g.error();
  auto peer = import_peer(*g, peer_public);
  if (!peer) return peer.error();
  const PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.native(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) {
    return detail::openssl_error(errc::backend, "ECDH derive init");
  }
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer->get(), 1) != 1) {
    return detail::openssl_error(errc::bad_key, fmt::format("{} peer value", to_string(*g)));
  }
  std::size_t len = 0;
  if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    return detail::openssl_error(errc::backend, "ECDH derive");
  }
  core::SecureBytes secret(len);
  // X25519 refuses a peer value that gives the all-zero secret (RFC 7748 §6.1).
  if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1 || len != secret.size()) {
    return detail::openssl_error(errc::bad_key, fmt::format("{} derive", to_string(*g)));
  }
  return secret;
}

}  // namespace pqbranch::crypto
