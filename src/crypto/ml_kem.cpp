#include "pqbranch/crypto/ml_kem.hpp"

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

constexpr unsigned kQ = 3329;  // FIPS 203 §2.4

const char* name_of(MlKem p) noexcept {
  return p == MlKem::ml_kem_768 ? "ML-KEM-768" : "ML-KEM-1024";
}

// k, the module rank: 3 for ML-KEM-768, 4 for ML-KEM-1024 (FIPS 203 §8).
constexpr std::size_t rank_of(MlKem p) noexcept {
  return p == MlKem::ml_kem_768 ? 3 : 4;
}

}  // namespace

std::string_view to_string(MlKem p) noexcept {
  return name_of(p);
}

core::Result<PrivateKey> ml_kem_generate(MlKem p) {
  const detail::ErrorQueueScope scope;
  PkeyHandle key(EVP_PKEY_Q_keygen(nullptr, nullptr, name_of(p)));
  if (!key) return detail::openssl_error(errc::backend, fmt::format("{} keygen", name_of(p)));
  return PrivateKey(std::move(key));
}

core::Result<PrivateKey> ml_kem_from_seed(MlKem p, std::span<const std::uint8_t> seed) {
  constexpr std::size_t kSeedSize = 64;  // FIPS 203 §7.1: d and z, 32 bytes each
  if (seed.size() != kSeedSize) {
    return core::make_error(errc::invalid_argument,
                            fmt::format("{} seed of {} bytes", name_of(p), seed.size()));
  }
  const detail::ErrorQueueScope scope;
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, name_of(p), nullptr));
  std::array<OSSL_PARAM, 2> params{
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_ML_KEM_SEED,
                                        const_cast<std::uint8_t*>(seed.data()), seed.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_params(ctx.get(), params.data()) != 1 ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return detail::openssl_error(errc::backend, fmt::format("{} key from a seed", name_of(p)));
  }
  return PrivateKey(PkeyHandle(raw));
}

core::Result<MlKem> ml_kem_params_of(const PrivateKey& key) {
  if (EVP_PKEY_is_a(key.native(), "ML-KEM-768") == 1) return MlKem::ml_kem_768;
  if (EVP_PKEY_is_a(key.native(), "ML-KEM-1024") == 1) return MlKem::ml_kem_1024;
  return core::make_error(errc::bad_key,
                          fmt::format("not an ML-KEM-768/1024 key ({})", key.type_name()));
}

core::Result<std::vector<std::uint8_t>> ml_kem_encapsulation_key(const PrivateKey& key) {
  const detail::ErrorQueueScope scope;
  auto p = ml_kem_params_of(key);
  if (!p) return p.error();
  std::vector<std::uint8_t> ek(ml_kem_sizes(*p).encapsulation_key);
  std::size_t len = ek.size();
  if (EVP_PKEY_get_raw_public_key(key.native(), ek.data(), &len) != 1 || len != ek.size()) {
    return detail::openssl_error(errc::backend, "ML-KEM encapsulation key");
  }
  return ek;
}

core::Result<void> ml_kem_check_encapsulation_key(MlKem p, std::span<const std::uint8_t> ek) {
  const std::size_t expected = ml_kem_sizes(p).encapsulation_key;
  if (ek.size() != expected) {
    return core::make_error(errc::bad_key,
                            fmt::format("{} encapsulation key is {} bytes, expected {} "
                                        "(FIPS 203 §7.2 type check)",
                                        name_of(p), ek.size(), expected));
  }
  // ek = ByteEncode12(t̂) ‖ ρ: 384·k bytes of packed 12-bit coefficients, then a 32-byte seed.
  // Every 3 bytes hold two coefficients, little-endian.
  const std::size_t packed = 384 * rank_of(p);
  for (std::size_t i = 0; i < packed; i += 3) {
    const unsigned c0 = ek[i] | ((ek[i + 1] & 0x0FU) << 8U);
    const unsigned c1 = (ek[i + 1] >> 4U) | (static_cast<unsigned>(ek[i + 2]) << 4U);
    if (c0 >= kQ || c1 >= kQ) {
      return core::make_error(errc::bad_key,
                              fmt::format("{} encapsulation key has a coefficient >= q at byte "
                                          "{} (FIPS 203 §7.2 modulus check)",
                                          name_of(p), i));
    }
  }
  return {};
}

core::Result<MlKemEncapsulation> ml_kem_encapsulate(MlKem p, std::span<const std::uint8_t> ek) {
  const detail::ErrorQueueScope scope;
  if (auto ok = ml_kem_check_encapsulation_key(p, ek); !ok) return ok.error();
  const PkeyHandle peer(
      EVP_PKEY_new_raw_public_key_ex(nullptr, name_of(p), nullptr, ek.data(), ek.size()));
  if (!peer) {
    return detail::openssl_error(errc::bad_key,
                                 fmt::format("importing {} encapsulation key", name_of(p)));
  }
  const PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, peer.get(), nullptr));
  if (!ctx || EVP_PKEY_encapsulate_init(ctx.get(), nullptr) != 1) {
    return detail::openssl_error(errc::backend, "ML-KEM encapsulate init");
  }
  const MlKemSizes sizes = ml_kem_sizes(p);
  MlKemEncapsulation out{std::vector<std::uint8_t>(sizes.ciphertext),
                         core::SecureBytes(sizes.shared_secret)};
  std::size_t ct_len = out.ciphertext.size();
  std::size_t ss_len = out.shared_secret.size();
  if (EVP_PKEY_encapsulate(ctx.get(), out.ciphertext.data(), &ct_len, out.shared_secret.data(),
                           &ss_len) != 1 ||
      ct_len != sizes.ciphertext || ss_len != sizes.shared_secret) {
    return detail::openssl_error(errc::backend, "ML-KEM encapsulate");
  }
  return out;
}

core::Result<core::SecureBytes> ml_kem_decapsulate(const PrivateKey& key,
                                                   std::span<const std::uint8_t> ciphertext) {
  const detail::ErrorQueueScope scope;
  auto p = ml_kem_params_of(key);
  if (!p) return p.error();
  const MlKemSizes sizes = ml_kem_sizes(*p);
  if (ciphertext.size() != sizes.ciphertext) {
    return core::make_error(errc::invalid_argument,
                            fmt::format("{} ciphertext is {} bytes, expected {} "
                                        "(FIPS 203 §7.3 type check)",
                                        name_of(*p), ciphertext.size(), sizes.ciphertext));
  }
  const PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.native(), nullptr));
  if (!ctx || EVP_PKEY_decapsulate_init(ctx.get(), nullptr) != 1) {
    return detail::openssl_error(errc::backend, "ML-KEM decapsulate init");
  }
  core::SecureBytes secret(sizes.shared_secret);
  std::size_t ss_len = secret.size();
  if (EVP_PKEY_decapsulate(ctx.get(), secret.data(), &ss_len, ciphertext.data(),
                           ciphertext.size()) != 1 ||
      ss_len != sizes.shared_secret) {
    return detail::openssl_error(errc::backend, "ML-KEM decapsulate");
  }
  return secret;
}

}  // namespace pqbranch::crypto
