// SK payload with AES-GCM-16-256 (RFC 5282): round trip, tamper rejection, the RFC 9242
// IntAuth octets.

#include "pqbranch/ikev2/sk_payload.hpp"

#include <gtest/gtest.h>

#include "pqbranch/crypto/aead.hpp"
#include "pqbranch/ikev2/errc.hpp"

#include "fakes/hex.hpp"
#include "unit/ikev2/samples.hpp"

namespace pqbranch::ikev2 {
namespace {

using pqbranch::test::from_hex;
using pqbranch::test::to_hex;

std::vector<std::uint8_t> key(std::uint8_t fill) {
  return std::vector<std::uint8_t>(kSkKeySize, fill);
}

Message auth_request() {
  Message m{samples::sample_header(ExchangeType::ike_auth), {}};
  m.header.message_id = 2;
  m.payloads.emplace_back(make_id(true, IdType::fqdn, "initiator.pqb.test"));
  m.payloads.emplace_back(
      AuthPayload{AuthMethod::shared_key_mic, std::vector<std::uint8_t>(48, 5)});
  m.payloads.emplace_back(samples::sample_esp_sa());
  m.payloads.emplace_back(samples::sample_ts(true));
  m.payloads.emplace_back(samples::sample_ts(false));
  return m;
}

TEST(SkPayload, RoundTrip) {
  const auto m = auth_request();
  auto sealed = seal_message(m, key(1), 1);
  ASSERT_TRUE(sealed) << sealed.error().message();
  auto h = parse_header(sealed->bytes);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->next_payload, PayloadType::sk);
  EXPECT_EQ(h->exchange, ExchangeType::ike_auth);
  // The SK generic header names the first inner payload.
  EXPECT_EQ(sealed->bytes[kHeaderSize], static_cast<std::uint8_t>(PayloadType::id_i));
  auto opened = open_message(sealed->bytes, key(1));
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_EQ(opened->message.header, *h);
  EXPECT_EQ(opened->message.payloads, m.payloads);
  EXPECT_EQ(opened->int_auth_octets, sealed->int_auth_octets);
  // The plaintext parser refuses it.
  EXPECT_EQ(parse_message(sealed->bytes).error(), errc::unexpected_encrypted_payload);
}

TEST(SkPayload, WireLayoutIsRfc5282) {
  // Encrypt by hand: nonce = salt ‖ IV, AAD = header ‖ SK generic header, plaintext =
  // inner payloads ‖ Pad Length 0.
  Message m{samples::sample_header(ExchangeType::informational),
            {DeletePayload{ProtocolId::ike, {}}}};
  std::vector<std::uint8_t> k(32, 0x11);
  const std::vector<std::uint8_t> salt{0xa1, 0xa2, 0xa3, 0xa4};
  auto sk_e = k;
  sk_e.insert(sk_e.end(), salt.begin(), salt.end());
  auto sealed = seal_message(m, sk_e, 0x0102030405060708ULL);
  ASSERT_TRUE(sealed);
  const auto& b = sealed->bytes;
  // 28 header + 4 SK header + 8 IV + (8 Delete payload + 1 pad length) + 16 ICV.
  ASSERT_EQ(b.size(), 28U + 4 + 8 + 9 + 16);
  EXPECT_EQ(to_hex(std::span(b).subspan(28, 4)), "2a000025");
  EXPECT_EQ(to_hex(std::span(b).subspan(32, 8)), "0102030405060708");
  const auto nonce = from_hex("a1a2a3a40102030405060708");
  auto expected =
      crypto::aes256gcm_seal(k, nonce, std::span(b).first(32), from_hex("000000080100000000"));
  ASSERT_TRUE(expected);
  EXPECT_EQ(to_hex(std::span(b).subspan(40)), to_hex(*expected));
}

TEST(SkPayload, EveryFlippedBitRefused) {
  const auto sealed = seal_message(auth_request(), key(2), 9).value();
  // Header (except Length, which is checked against the datagram first), SK header, IV,
  // ciphertext, ICV: all authenticated.
  for (std::size_t i = 0; i < sealed.bytes.size(); ++i) {
    auto bad = sealed.bytes;
    bad[i] ^= 0x01;
    auto r = open_message(bad, key(2));
    ASSERT_FALSE(r) << "byte " << i;
    if (i >= kHeaderSize + 4 || i < 16) {
      EXPECT_EQ(r.error(), errc::integrity_check_failed) << "byte " << i;
    }
  }
}

TEST(SkPayload, WrongKeyAndBadKeySize) {
  const auto sealed = seal_message(auth_request(), key(3), 1).value();
  EXPECT_EQ(open_message(sealed.bytes, key(4)).error(), errc::integrity_check_failed);
  EXPECT_EQ(open_message(sealed.bytes, std::vector<std::uint8_t>(32)).error(), errc::bad_key);
  EXPECT_EQ(seal_message(auth_request(), std::vector<std::uint8_t>(35), 1).error(), errc::bad_key);
}

TEST(SkPayload, TruncationRefused) {
  const auto sealed = seal_message(auth_request(), key(5), 1).value();
  for (std::size_t n = 0; n < sealed.bytes.size(); ++n) {
    std::vector<std::uint8_t> cut(sealed.bytes.begin(),
                                  sealed.bytes.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(open_message(cut, key(5))) << n;
  }
  // Cut inside the SK payload with both Length fields made consistent: still refused.
  for (std::size_t n = kHeaderSize + 4; n < sealed.bytes.size(); ++n) {
    std::vector<std::uint8_t> cut(sealed.bytes.begin(),
                                  sealed.bytes.begin() + static_cast<std::ptrdiff_t>(n));
    cut[26] = static_cast<std::uint8_t>(n >> 8U);
    cut[27] = static_cast<std::uint8_t>(n);
    cut[30] = static_cast<std::uint8_t>((n - kHeaderSize) >> 8U);
    cut[31] = static_cast<std::uint8_t>(n - kHeaderSize);
    EXPECT_FALSE(open_message(cut, key(5))) << n;
  }
  // No inner payloads at all is valid (an empty INFORMATIONAL, RFC 7296 §1.4).
  Message empty{samples::sample_header(ExchangeType::informational), {}};
  auto minimal = seal_message(empty, key(5), 1).value();
  EXPECT_TRUE(open_message(minimal.bytes, key(5)));
  EXPECT_TRUE(open_message(minimal.bytes, key(5))->message.payloads.empty());
}

TEST(SkPayload, MissingSkRefused) {
  const auto plain =
      encode_message(Message{samples::sample_header(), {samples::sample_ke()}}).value();
  EXPECT_EQ(open_message(plain, key(1)).error(), errc::missing_encrypted_payload);
}

TEST(SkPayload, BadPadLengthRefused) {
  // Build an SK payload whose decrypted Pad Length exceeds the plaintext.
  const auto sk_e = key(6);
  Header h = samples::sample_header(ExchangeType::informational);
  h.next_payload = PayloadType::sk;
  h.length = 28 + 4 + 8 + 2 + 16;
  std::vector<std::uint8_t> out;
  append_header(h, out);
  out.insert(out.end(), {0, 0, 0, 30});
  const std::vector<std::uint8_t> iv(8, 0);
  std::vector<std::uint8_t> nonce(sk_e.begin() + 32, sk_e.end());
  nonce.insert(nonce.end(), iv.begin(), iv.end());
  auto ct = crypto::aes256gcm_seal(std::span(sk_e).first(32), nonce, out, from_hex("0005"));
  ASSERT_TRUE(ct);
  out.insert(out.end(), iv.begin(), iv.end());
  out.insert(out.end(), ct->begin(), ct->end());
  EXPECT_EQ(open_message(out, sk_e).error(), errc::bad_length);
}

TEST(SkPayload, IntAuthOctetsHaveAdjustedLengths) {
  Message m{samples::sample_header(ExchangeType::ike_intermediate), {}};
  m.header.message_id = 1;
  m.payloads.emplace_back(KePayload{KeMethod::mlkem768, std::vector<std::uint8_t>(1184, 7)});
  auto sealed = seal_message(m, key(7), 1);
  ASSERT_TRUE(sealed);
  const auto& a = sealed->int_auth_octets;
  // RFC 9242 §3.4: header ‖ SK header ‖ inner payloads, lengths without IV/pad/ICV.
  const std::size_t inner = 8 + 1184;
  ASSERT_EQ(a.size(), 28 + 4 + inner);
  EXPECT_EQ(to_hex(std::span(a).subspan(24, 4)), "000004c8");  // 28 + 4 + 1192
  EXPECT_EQ(to_hex(std::span(a).subspan(28, 4)), "220004ac");  // KE first, 4 + 1192
  EXPECT_EQ(to_hex(std::span(a).first(24)), to_hex(std::span(sealed->bytes).first(24)));
  EXPECT_EQ(to_hex(std::span(a).subspan(32)), to_hex(encode_payload_chain(m.payloads)->bytes));
}

TEST(SkPayload, OversizeRefused) {
  Message m{samples::sample_header(ExchangeType::ike_auth), {}};
  for (int i = 0; i < 40; ++i) {
    m.payloads.emplace_back(
        CertPayload{CertEncoding::x509_signature, std::vector<std::uint8_t>(1700, 0x30)});
  }
  EXPECT_EQ(seal_message(m, key(1), 1).error(), errc::too_large);
}

}  // namespace
}  // namespace pqbranch::ikev2
