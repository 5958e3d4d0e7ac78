#include "sk_protection.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "pqbranch/crypto/aead.hpp"
#include "pqbranch/crypto/error.hpp"
#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/payload_header.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2::detail {
namespace {

constexpr std::size_t kSaltSize = 4;
static_assert(kSkKeySize == crypto::kAes256GcmKeySize + kSaltSize);
static_assert(kSkIcvSize == crypto::kGcmTagSize);

// RFC 5282 §4: nonce = salt ‖ IV.
std::array<std::uint8_t, crypto::kGcmNonceSize> gcm_nonce(std::span<const std::uint8_t> sk_e,
                                                          std::span<const std::uint8_t> iv) {
  std::array<std::uint8_t, crypto::kGcmNonceSize> nonce{};
  const auto salt = sk_e.subspan(crypto::kAes256GcmKeySize, kSaltSize);
  std::copy(salt.begin(), salt.end(), nonce.begin());
  std::copy(iv.begin(), iv.end(), nonce.begin() + kSaltSize);
  return nonce;
}

core::Error crypto_error(const core::Error& e) {
  return fail(errc::crypto_failure, e.message());
}

}  // namespace

core::Result<void> check_sk_key(std::span<const std::uint8_t> sk_e) {
  if (sk_e.size() != kSkKeySize) {
    return fail(errc::bad_key, "SK_e of " + std::to_string(sk_e.size()) + " bytes, want 36");
  }
  return {};
}

core::Result<void> append_protected(std::vector<std::uint8_t>& out,
                                    std::span<const std::uint8_t> sk_e, std::uint64_t iv,
                                    std::span<const std::uint8_t> content) {
  if (auto ok = check_sk_key(sk_e); !ok) return ok.error();
  // Plaintext = content ‖ Padding (none) ‖ Pad Length (RFC 7296 §3.14).
  std::vector<std::uint8_t> plaintext(content.begin(), content.end());
  plaintext.push_back(0);
  std::array<std::uint8_t, kSkIvSize> iv_bytes{};
  for (std::size_t i = 0; i < kSkIvSize; ++i) {
    iv_bytes[i] = static_cast<std::uint8_t>(iv >> (8U * (kSkIvSize - 1 - i)));
  }
  const auto nonce = gcm_nonce(sk_e, iv_bytes);
  auto sealed =
      crypto::aes256gcm_seal(sk_e.first(crypto::kAes256GcmKeySize), nonce, out, plaintext);
  if (!sealed) return crypto_error(sealed.error());
  put_bytes(out, iv_bytes);
  put_bytes(out, *sealed);
  return {};
}

core::Result<core::SecureBytes> open_protected(std::span<const std::uint8_t> sk_e,
                                               std::span<const std::uint8_t> aad,
                                               std::span<const std::uint8_t> body,
                                               const char* what) {
  if (auto ok = check_sk_key(sk_e); !ok) return ok.error();
  if (body.size() < protected_size(0)) {
    return fail(errc::truncated,
                std::string(what) + " of " + std::to_string(body.size()) + " bytes");
  }
  const auto nonce = gcm_nonce(sk_e, body.first(kSkIvSize));
  auto plain = crypto::aes256gcm_open(sk_e.first(crypto::kAes256GcmKeySize), nonce, aad,
                                      body.subspan(kSkIvSize));
  if (!plain) {
    if (plain.error() == crypto::errc::authentication_failed) {
      return fail(errc::integrity_check_failed, std::string(what) + " ICV");
    }
    return crypto_error(plain.error());
  }
  const auto pad_length = plain->span().back();
  if (static_cast<std::size_t>(pad_length) + 1 > plain->size()) {
    return fail(errc::bad_length, std::string(what) + " Pad Length " + std::to_string(pad_length));
  }
  return core::SecureBytes(plain->subspan(0, plain->size() - pad_length - 1));
}

std::vector<std::uint8_t> int_auth_octets(std::span<const std::uint8_t> up_to_sk_header,
                                          std::span<const std::uint8_t> inner) {
  std::vector<std::uint8_t> out(up_to_sk_header.begin(), up_to_sk_header.end());
  const auto total = static_cast<std::uint32_t>(up_to_sk_header.size() + inner.size());
  for (std::size_t i = 0; i < 4; ++i) {
    out[24 + i] = static_cast<std::uint8_t>(total >> (8U * (3 - i)));
  }
  patch16(out, out.size() - 2, static_cast<std::uint16_t>(kGenericHeaderSize + inner.size()));
  put_bytes(out, inner);
  return out;
}

std::vector<std::uint8_t> int_auth_octets(const Header& h, PayloadType first_inner,
                                          std::span<const std::uint8_t> inner) {
  Header sk_header = h;
  sk_header.next_payload = PayloadType::sk;
  std::vector<std::uint8_t> prefix;
  append_header(sk_header, prefix);
  append_generic_header(first_inner, kGenericHeaderSize, prefix);  // lengths set below
  return int_auth_octets(prefix, inner);
}

}  // namespace pqbranch::ikev2::detail
