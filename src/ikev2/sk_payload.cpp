#include "pqbranch/ikev2/sk_payload.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "pqbranch/crypto/aead.hpp"
#include "pqbranch/crypto/error.hpp"
#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/payload_header.hpp"

#include "byte_io.hpp"
#include "payload_codec.hpp"

namespace pqbranch::ikev2 {
namespace {

constexpr std::size_t kSaltSize = 4;
static_assert(kSkKeySize == crypto::kAes256GcmKeySize + kSaltSize);
static_assert(kSkIcvSize == crypto::kGcmTagSize);

core::Result<void> check_key(std::span<const std::uint8_t> sk_e) {
  if (sk_e.size() != kSkKeySize) {
    return detail::fail(errc::bad_key,
                        "SK_e of " + std::to_string(sk_e.size()) + " bytes, want 36");
  }
  return {};
}

// RFC 5282 §4: nonce = salt ‖ IV.
std::array<std::uint8_t, crypto::kGcmNonceSize> gcm_nonce(std::span<const std::uint8_t> sk_e,
                                                          std::span<const std::uint8_t> iv) {
  std::array<std::uint8_t, crypto::kGcmNonceSize> nonce{};
  const auto salt = sk_e.subspan(crypto::kAes256GcmKeySize, kSaltSize);
  std::copy(salt.begin(), salt.end(), nonce.begin());
  std::copy(iv.begin(), iv.end(), nonce.begin() + kSaltSize);
  return nonce;
}

// RFC 9242 §3.4: the header (up to the SK payload's generic header) and that generic header
// with both Length fields covering only themselves and the inner payloads, then the inner
// payloads in plaintext.
std::vector<std::uint8_t> int_auth_octets(std::span<const std::uint8_t> up_to_sk_header,
                                          std::span<const std::uint8_t> inner) {
  std::vector<std::uint8_t> out(up_to_sk_header.begin(), up_to_sk_header.end());
  const auto total = static_cast<std::uint32_t>(up_to_sk_header.size() + inner.size());
  for (std::size_t i = 0; i < 4; ++i) {
    out[24 + i] = static_cast<std::uint8_t>(total >> (8U * (3 - i)));
  }
  detail::patch16(out, out.size() - 2,
                  static_cast<std::uint16_t>(kGenericHeaderSize + inner.size()));
  detail::put_bytes(out, inner);
  return out;
}

core::Error crypto_error(const core::Error& e) {
  return detail::fail(errc::crypto_failure, e.message());
}

}  // namespace

core::Result<SealedMessage> seal_message(const Message& m, std::span<const std::uint8_t> sk_e,
                                         std::uint64_t iv) {
  if (auto ok = check_key(sk_e); !ok) return ok.error();
  auto chain = encode_payload_chain(m.payloads);
  if (!chain) return chain.error();
  // Plaintext = inner payloads ‖ Padding (none) ‖ Pad Length (RFC 7296 §3.14).
  std::vector<std::uint8_t> plaintext = chain->bytes;
  plaintext.push_back(0);
  const auto sk_length = kGenericHeaderSize + kSkIvSize + plaintext.size() + kSkIcvSize;
  const auto total = kHeaderSize + sk_length;
  if (total > kMaxMessageSize || sk_length > 65535) {
    return detail::fail(errc::too_large,
                        "encrypted message of " + std::to_string(total) + " bytes");
  }
  Header h = m.header;
  h.next_payload = PayloadType::sk;
  h.length = static_cast<std::uint32_t>(total);
  std::vector<std::uint8_t> out;
  out.reserve(total);
  append_header(h, out);
  append_generic_header(chain->first, sk_length, out);
  const auto aad_size = out.size();

  std::array<std::uint8_t, kSkIvSize> iv_bytes{};
  for (std::size_t i = 0; i < kSkIvSize; ++i) {
    iv_bytes[i] = static_cast<std::uint8_t>(iv >> (8U * (kSkIvSize - 1 - i)));
  }
  const auto nonce = gcm_nonce(sk_e, iv_bytes);
  auto sealed = crypto::aes256gcm_seal(sk_e.first(crypto::kAes256GcmKeySize), nonce,
                                       std::span(out.data(), aad_size), plaintext);
  if (!sealed) return crypto_error(sealed.error());

  SealedMessage result;
  result.int_auth_octets = int_auth_octets(std::span(out.data(), aad_size), chain->bytes);
  detail::put_bytes(out, iv_bytes);
  detail::put_bytes(out, *sealed);
  result.bytes = std::move(out);
  return result;
}

core::Result<OpenedMessage> open_message(std::span<const std::uint8_t> datagram,
                                         std::span<const std::uint8_t> sk_e) {
  if (auto ok = check_key(sk_e); !ok) return ok.error();
  auto h = parse_header(datagram);
  if (!h) return h.error();
  const auto after_header = datagram.subspan(kHeaderSize);
  auto raw = walk_payloads(h->next_payload, after_header);
  if (!raw) return raw.error();
  if (raw->empty() || raw->back().type != PayloadType::sk) {
    return detail::fail(errc::missing_encrypted_payload, "no SK payload");
  }
  const auto& sk = raw->back();
  if (sk.body.size() < kSkIvSize + 1 + kSkIcvSize) {
    return detail::fail(errc::truncated,
                        "SK payload of " + std::to_string(sk.body.size()) + " bytes");
  }
  const auto aad = datagram.first(kHeaderSize + sk.offset + kGenericHeaderSize);
  const auto inner_first = static_cast<PayloadType>(after_header[sk.offset]);
  const auto nonce = gcm_nonce(sk_e, sk.body.first(kSkIvSize));
  auto plain = crypto::aes256gcm_open(sk_e.first(crypto::kAes256GcmKeySize), nonce, aad,
                                      sk.body.subspan(kSkIvSize));
  if (!plain) {
    if (plain.error() == crypto::errc::authentication_failed) {
      return detail::fail(errc::integrity_check_failed, "SK payload ICV");
    }
    return crypto_error(plain.error());
  }
  const auto pad_length = plain->span().back();
  if (static_cast<std::size_t>(pad_length) + 1 > plain->size()) {
    return detail::fail(errc::bad_length, "SK Pad Length " + std::to_string(pad_length));
  }
  const auto inner = plain->subspan(0, plain->size() - pad_length - 1);

  OpenedMessage result;
  result.message.header = *h;
  for (std::size_t i = 0; i + 1 < raw->size(); ++i) {
    auto p = detail::parse_payload((*raw)[i]);
    if (!p) return p.error();
    if (*p) result.message.payloads.push_back(std::move(**p));
  }
  auto payloads = parse_payload_chain(inner_first, inner);
  if (!payloads) return payloads.error();
  for (auto& p : *payloads)
    result.message.payloads.push_back(std::move(p));
  result.int_auth_octets = int_auth_octets(aad, inner);
  return result;
}

}  // namespace pqbranch::ikev2
