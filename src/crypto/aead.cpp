#include "pqbranch/crypto/aead.hpp"

#include <array>
#include <climits>

#include <openssl/evp.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/crypto/error.hpp"

#include "openssl_error.hpp"

namespace pqbranch::crypto {
namespace {

using CipherCtx = core::CHandle<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;

// EVP_*Update take int lengths.
constexpr std::size_t kMaxLength = INT_MAX - kGcmTagSize;

core::Result<void> check_inputs(std::span<const std::uint8_t> key,
                                std::span<const std::uint8_t> nonce,
                                std::span<const std::uint8_t> aad, std::size_t text) {
  if (key.size() != kAes256GcmKeySize) {
    return core::make_error(errc::invalid_argument, "AES-256-GCM key must be 32 bytes");
  }
  if (nonce.size() != kGcmNonceSize) {
    return core::make_error(errc::invalid_argument, "AES-GCM nonce must be 12 bytes");
  }
  if (aad.size() > kMaxLength || text > kMaxLength) {
    return core::make_error(errc::invalid_argument, "AES-GCM input too long");
  }
  return {};
}

core::Result<CipherCtx> init(bool encrypt, std::span<const std::uint8_t> key,
                             std::span<const std::uint8_t> nonce,
                             std::span<const std::uint8_t> aad) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return detail::openssl_error(errc::backend, "EVP_CIPHER_CTX_new");
  // The default GCM IV length is 12 bytes, so no IVLEN control is needed.
  if (EVP_CipherInit_ex2(ctx.get(), EVP_aes_256_gcm(), key.data(), nonce.data(), encrypt ? 1 : 0,
                         nullptr) != 1) {
    return detail::openssl_error(errc::backend, "AES-256-GCM init");
  }
  int len = 0;
  if (!aad.empty() &&
      EVP_CipherUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return detail::openssl_error(errc::backend, "AES-256-GCM AAD");
  }
  return ctx;
}

}  // namespace

core::Result<std::vector<std::uint8_t>> aes256gcm_seal(std::span<const std::uint8_t> key,
                                                       std::span<const std::uint8_t> nonce,
                                                       std::span<const std::uint8_t> aad,
                                                       std::span<const std::uint8_t> plaintext) {
  const detail::ErrorQueueScope scope;
  if (auto ok = check_inputs(key, nonce, aad, plaintext.size()); !ok) return ok.error();
  auto ctx = init(true, key, nonce, aad);
  if (!ctx) return ctx.error();
  std::vector<std::uint8_t> out(plaintext.size() + kGcmTagSize);
  int len = 0;
  if (!plaintext.empty() && EVP_EncryptUpdate(ctx->get(), out.data(), &len, plaintext.data(),
                                              static_cast<int>(plaintext.size())) != 1) {
    return detail::openssl_error(errc::backend, "AES-256-GCM encrypt");
  }
  int final_len = 0;
  if (EVP_EncryptFinal_ex(ctx->get(), out.data() + len, &final_len) != 1 ||
      static_cast<std::size_t>(len) + static_cast<std::size_t>(final_len) != plaintext.size()) {
    return detail::openssl_error(errc::backend, "AES-256-GCM final");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagSize),
                          out.data() + plaintext.size()) != 1) {
    return detail::openssl_error(errc::backend, "AES-256-GCM tag");
  }
  return out;
}

core::Result<core::SecureBytes> aes256gcm_open(std::span<const std::uint8_t> key,
                                               std::span<const std::uint8_t> nonce,
                                               std::span<const std::uint8_t> aad,
                                               std::span<const std::uint8_t> sealed) {
  const detail::ErrorQueueScope scope;
  if (sealed.size() < kGcmTagSize) {
    return core::make_error(errc::authentication_failed, "AES-GCM input shorter than its tag");
  }
  const std::size_t text = sealed.size() - kGcmTagSize;
  if (auto ok = check_inputs(key, nonce, aad, text); !ok) return ok.error();
  auto ctx = init(false, key, nonce, aad);
  if (!ctx) return ctx.error();
  core::SecureBytes out(text);
  int len = 0;
  if (text != 0 &&
      EVP_DecryptUpdate(ctx->get(), out.data(), &len, sealed.data(), static_cast<int>(text)) != 1) {
    return detail::openssl_error(errc::backend, "AES-256-GCM decrypt");
  }
  // The tag is only read by OpenSSL; the control's pointer is non-const by signature.
  auto* tag = const_cast<std::uint8_t*>(sealed.data() + text);  // NOLINT
  if (EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagSize), tag) !=
      1) {
    return detail::openssl_error(errc::backend, "AES-256-GCM set tag");
  }
  int final_len = 0;
  std::array<std::uint8_t, kGcmTagSize> none{};  // GCM writes nothing here; never pass null
  std::uint8_t* tail = text == 0 ? none.data() : out.data() + len;
  if (EVP_DecryptFinal_ex(ctx->get(), tail, &final_len) != 1) {
    // The queue holds nothing useful for a tag mismatch; out is wiped when it goes.
    detail::drain_openssl_errors();
    return core::make_error(errc::authentication_failed, "AES-256-GCM tag mismatch");
  }
  return out;
}

}  // namespace pqbranch::crypto
