#include "pqbranch/crypto/signature.hpp"

#include <array>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/crypto/error.hpp"

#include "openssl_error.hpp"

namespace pqbranch::crypto {
namespace {

using MdCtx = core::CHandle<EVP_MD_CTX, EVP_MD_CTX_free>;

// ECDSA hashes the message first; ML-DSA and Ed25519 sign the message itself.
const char* digest_for(SignatureAlgorithm a) noexcept {
  return a == SignatureAlgorithm::ecdsa_p256_sha256 ? "SHA256" : nullptr;
}

// The signature parameters for a context string: none without one; FIPS 204's ctx for
// ML-DSA; for Ed25519 also the instance, Ed25519ctx (RFC 8032 §5.1). `params` must outlive
// the init call that reads it.
using ContextParams = std::array<OSSL_PARAM, 3>;

core::Result<const OSSL_PARAM*> context_params(SignatureAlgorithm alg,
                                               const std::optional<SignatureContext>& context,
                                               ContextParams& params) {
  if (!context) return nullptr;
  const auto& c = context->value;
  if (c.empty() || c.size() > kMaxSignatureContextBytes) {
    return core::make_error(errc::invalid_argument,
                            fmt::format("signature context of {} bytes (1 to {})", c.size(),
                                        kMaxSignatureContextBytes));
  }
  // OpenSSL takes non-const pointers but only reads these.
  void* bytes = const_cast<char*>(c.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  static constexpr char kInstance[] = "Ed25519ctx";
  char* instance = const_cast<char*>(kInstance);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  switch (alg) {
    case SignatureAlgorithm::ml_dsa_65:
      params = {
          OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_CONTEXT_STRING, bytes, c.size()),
          OSSL_PARAM_construct_end(), OSSL_PARAM_construct_end()};
      return params.data();
    case SignatureAlgorithm::ed25519:
      params = {
          OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_INSTANCE, instance, 0),
          OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_CONTEXT_STRING, bytes, c.size()),
          OSSL_PARAM_construct_end()};
      return params.data();
    case SignatureAlgorithm::ecdsa_p256_sha256:
      break;
  }
  return core::make_error(errc::invalid_argument,
                          fmt::format("{} has no context string", to_string(alg)));
}

std::string_view type_of(EVP_PKEY* key) noexcept {
  const char* n = EVP_PKEY_get0_type_name(key);
  return n == nullptr ? std::string_view{"(none)"} : std::string_view{n};
}

}  // namespace

std::string_view to_string(SignatureAlgorithm a) noexcept {
  switch (a) {
    case SignatureAlgorithm::ml_dsa_65:
      return "ML-DSA-65";
    case SignatureAlgorithm::ed25519:
      return "Ed25519";
    case SignatureAlgorithm::ecdsa_p256_sha256:
      return "ECDSA-P256-SHA256";
  }
  return "unknown";
}

core::Result<PrivateKey> generate_signing_key(SignatureAlgorithm a) {
  const detail::ErrorQueueScope scope;
  EVP_PKEY* raw = nullptr;
  switch (a) {
    case SignatureAlgorithm::ml_dsa_65:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ML-DSA-65");
      break;
    case SignatureAlgorithm::ed25519:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case SignatureAlgorithm::ecdsa_p256_sha256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
  }
  PkeyHandle key(raw);
  if (!key) return detail::openssl_error(errc::backend, fmt::format("{} keygen", to_string(a)));
  return PrivateKey(std::move(key));
}

core::Result<SignatureAlgorithm> signature_algorithm_of(EVP_PKEY* key) {
  const detail::ErrorQueueScope scope;
  if (key == nullptr) return core::make_error(errc::bad_key, "no key");
  if (EVP_PKEY_is_a(key, "ML-DSA-65") == 1) return SignatureAlgorithm::ml_dsa_65;
  if (EVP_PKEY_is_a(key, "ED25519") == 1) return SignatureAlgorithm::ed25519;
  if (EVP_PKEY_is_a(key, "EC") == 1) {
    std::array<char, 64> group{};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                       &len) == 1 &&
        std::strcmp(group.data(), "prime256v1") == 0) {
      return SignatureAlgorithm::ecdsa_p256_sha256;
    }
    return core::make_error(errc::bad_key,
                            fmt::format("EC key on curve '{}': only P-256 is supported",
                                        std::string_view(group.data(), len)));
  }
  return core::make_error(errc::bad_key,
                          fmt::format("{} keys cannot sign here (ML-DSA-65, Ed25519, "
                                      "ECDSA P-256 only)",
                                      type_of(key)));
}

core::Result<SignatureAlgorithm> signature_algorithm_of(const PrivateKey& key) {
  return signature_algorithm_of(key.native());
}

core::Result<SignatureAlgorithm> signature_algorithm_of(const PublicKey& key) {
  return signature_algorithm_of(key.native());
}

namespace {

enum class Operation { sign, verify };

// A digest context set up for one signature or verification with `key`: the key's algorithm,
// its digest and the context string (copied by OpenSSL during the set-up).
struct DigestContext {
  SignatureAlgorithm alg;
  MdCtx ctx;
};

core::Result<DigestContext> digest_context(EVP_PKEY* key, Operation op,
                                           const std::optional<SignatureContext>& context) {
  auto alg = signature_algorithm_of(key);
  if (!alg) return alg.error();
  ContextParams storage{};
  auto params = context_params(*alg, context, storage);
  if (!params) return params.error();
  MdCtx ctx(EVP_MD_CTX_new());
  const bool sign = op == Operation::sign;
  const int ok = !ctx   ? 0
                 : sign ? EVP_DigestSignInit_ex(ctx.get(), nullptr, digest_for(*alg), nullptr,
                                                nullptr, key, *params)
                        : EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digest_for(*alg), nullptr,
                                                  nullptr, key, *params);
  if (ok != 1) {
    return detail::openssl_error(
        errc::backend, fmt::format("{} {} init", to_string(*alg), sign ? "sign" : "verify"));
  }
  return DigestContext{*alg, std::move(ctx)};
}

core::Result<std::vector<std::uint8_t>> sign_with(const PrivateKey& key,
                                                  std::span<const std::uint8_t> message,
                                                  const std::optional<SignatureContext>& context) {
  const detail::ErrorQueueScope scope;
  auto d = digest_context(key.native(), Operation::sign, context);
  if (!d) return d.error();
  std::size_t len = 0;
  if (EVP_DigestSign(d->ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return detail::openssl_error(errc::backend, fmt::format("{} sign", to_string(d->alg)));
  }
  std::vector<std::uint8_t> sig(len);
  if (EVP_DigestSign(d->ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
    return detail::openssl_error(errc::backend, fmt::format("{} sign", to_string(d->alg)));
  }
  sig.resize(len);  // ECDSA's DER encoding varies in length
  return sig;
}

core::Result<void> verify_with(const PublicKey& key, std::span<const std::uint8_t> message,
                               std::span<const std::uint8_t> signature,
                               const std::optional<SignatureContext>& context) {
  const detail::ErrorQueueScope scope;
  auto d = digest_context(key.native(), Operation::verify, context);
  if (!d) return d.error();
  if (EVP_DigestVerify(d->ctx.get(), signature.data(), signature.size(), message.data(),
                       message.size()) != 1) {
    detail::drain_openssl_errors();
    return core::make_error(errc::bad_signature,
                            fmt::format("{} signature does not verify", to_string(d->alg)));
  }
  return {};
}

}  // namespace

core::Result<std::vector<std::uint8_t>> sign(const PrivateKey& key,
                                             std::span<const std::uint8_t> message) {
  return sign_with(key, message, std::nullopt);
}

core::Result<std::vector<std::uint8_t>> sign(const PrivateKey& key,
                                             std::span<const std::uint8_t> message,
                                             SignatureContext context) {
  return sign_with(key, message, context);
}

core::Result<void> verify(const PublicKey& key, std::span<const std::uint8_t> message,
                          std::span<const std::uint8_t> signature) {
  return verify_with(key, message, signature, std::nullopt);
}

core::Result<void> verify(const PublicKey& key, std::span<const std::uint8_t> message,
                          std::span<const std::uint8_t> signature, SignatureContext context) {
  return verify_with(key, message, signature, context);
}

}  // namespace pqbranch::crypto
