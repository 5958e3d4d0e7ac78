// The Encrypted Fragment payload (RFC 7383 §2.5): field rules, a vector computed outside the
// project (layout from the RFC's diagram, AES-GCM by Python's cryptography), refusals.

#include "pqbranch/ikev2/skf_payload.hpp"

#include <string>

#include <gtest/gtest.h>

#include "pqbranch/ikev2/errc.hpp"

#include "fakes/hex.hpp"
#include "unit/ikev2/fragmentation_samples.hpp"

namespace pqbranch::ikev2 {
namespace {

using pqbranch::test::from_hex;
using pqbranch::test::to_hex;

std::vector<std::uint8_t> sealed_fragment(const SkfFields& f,
                                          const std::vector<std::uint8_t>& content) {
  return seal_fragment(samples::sample_header(ExchangeType::ike_intermediate), f, content,
                       samples::fragment_key(), 5)
      .value();
}

TEST(SkfPayload, FieldRulesOfRfc7383) {
  EXPECT_TRUE(verify(SkfFields{PayloadType::ke, 1, 1}));
  EXPECT_TRUE(verify(SkfFields{PayloadType::ke, 1, 3}));
  EXPECT_TRUE(verify(SkfFields{PayloadType::none, 3, 3}));
  EXPECT_TRUE(verify(SkfFields{PayloadType::none, 1, 2}));  // an empty first inner chain
  EXPECT_EQ(verify(SkfFields{PayloadType::none, 0, 3}).error(), errc::bad_value);
  EXPECT_EQ(verify(SkfFields{PayloadType::none, 1, 0}).error(), errc::bad_value);
  EXPECT_EQ(verify(SkfFields{PayloadType::none, 4, 3}).error(), errc::bad_value);
  EXPECT_EQ(verify(SkfFields{PayloadType::ke, 2, 3}).error(), errc::bad_value);
  // seal_fragment verifies before it writes.
  EXPECT_EQ(seal_fragment(samples::sample_header(), SkfFields{PayloadType::none, 2, 1}, {},
                          samples::fragment_key(), 1)
                .error(),
            errc::bad_value);
}

// A fragment laid out by hand from the RFC 7383 §2.5 diagram and sealed with AES-GCM by
// Python's `cryptography` (not our crypto adapter), RFC 5282: nonce = salt ‖ IV, plaintext =
// content ‖ Pad Length 0, AAD = IKE header ‖ SKF header up to Total Fragments:
//   from cryptography.hazmat.primitives.ciphers.aead import AESGCM
//   aad = bytes.fromhex(kAad); iv = bytes.fromhex("1112131415161718")
//   ct = AESGCM(b"\x22" * 32).encrypt(bytes.fromhex("b1b2b3b4") + iv,
//                                     bytes.fromhex("deadbeef0100"), aad)
//   (aad + iv + ct).hex()
constexpr const char* kAad =
    "0102030405060708090a0b0c0d0e0f10"  // SPIi, SPIr
    "35202b0800000001"                  // Next Payload SKF (53), 2.0, IKE_INTERMEDIATE, I, ID 1
    "00000042"                          // Length 66
    "2200002600010002";                 // KE (34), C=0, Payload Length 38, fragment 1 of 2
constexpr const char* kIvCiphertextIcv =
    "1112131415161718"                   // IV
    "3930d30950a1"                       // E(deadbeef01 ‖ Pad Length 00)
    "18bffad90c64f90e5c1291346f02cd07";  // ICV

std::vector<std::uint8_t> vector_sk_e() {
  auto sk_e = std::vector<std::uint8_t>(32, 0x22);
  sk_e.insert(sk_e.end(), {0xb1, 0xb2, 0xb3, 0xb4});  // salt
  return sk_e;
}

TEST(SkfPayload, SealsTheIndependentlyComputedVector) {
  Header h = samples::sample_header(ExchangeType::ike_intermediate);
  h.message_id = 1;
  auto bytes = seal_fragment(h, SkfFields{PayloadType::ke, 1, 2}, from_hex("deadbeef01"),
                             vector_sk_e(), 0x1112131415161718ULL);
  ASSERT_TRUE(bytes) << bytes.error().message();
  EXPECT_EQ(to_hex(*bytes), std::string(kAad) + kIvCiphertextIcv);
}

TEST(SkfPayload, DecodesTheIndependentlyComputedVector) {
  const auto bytes = from_hex(std::string(kAad) + kIvCiphertextIcv);
  auto view = parse_fragment(bytes);
  ASSERT_TRUE(view) << view.error().message();
  EXPECT_EQ(view->header.spi_i, samples::sample_header().spi_i);
  EXPECT_EQ(view->header.message_id, 1U);
  EXPECT_EQ(view->header.exchange, ExchangeType::ike_intermediate);
  EXPECT_EQ(view->header.length, 66U);
  EXPECT_EQ(view->fields, (SkfFields{PayloadType::ke, 1, 2}));
  EXPECT_EQ(to_hex(view->aad), kAad);
  auto opened = open_fragment(*view, vector_sk_e());
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_EQ(to_hex(opened->content.span()), "deadbeef01");
}

TEST(SkfPayload, EveryFlippedBitRefused) {
  const auto bytes = sealed_fragment(SkfFields{PayloadType::none, 2, 3}, samples::patterned(40, 9));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto bad = bytes;
    bad[i] ^= 0x01;
    auto view = parse_fragment(bad);
    if (!view) continue;  // a structural refusal (Length, version, fields)
    auto opened = open_fragment(*view, samples::fragment_key());
    ASSERT_FALSE(opened) << "byte " << i;
    EXPECT_EQ(opened.error(), errc::integrity_check_failed) << "byte " << i;
  }
}

TEST(SkfPayload, FragmentNumberAndTotalAreAuthenticated) {
  // Number and Total rewritten to other valid values: the ICV no longer verifies.
  auto bytes = sealed_fragment(SkfFields{PayloadType::none, 2, 3}, samples::patterned(40, 9));
  bytes[33] = 3;  // fragment 3 of 3
  auto view = parse_fragment(bytes);
  ASSERT_TRUE(view);
  EXPECT_EQ(open_fragment(*view, samples::fragment_key()).error(), errc::integrity_check_failed);
  bytes[33] = 2;
  bytes[35] = 4;  // fragment 2 of 4
  view = parse_fragment(bytes);
  ASSERT_TRUE(view);
  EXPECT_EQ(open_fragment(*view, samples::fragment_key()).error(), errc::integrity_check_failed);
}

TEST(SkfPayload, WrongKeyAndBadKeySize) {
  const auto bytes = sealed_fragment(SkfFields{PayloadType::ke, 1, 1}, {1, 2, 3});
  auto view = parse_fragment(bytes);
  ASSERT_TRUE(view);
  EXPECT_EQ(open_fragment(*view, samples::fragment_key(0x01)).error(),
            errc::integrity_check_failed);
  EXPECT_EQ(open_fragment(*view, std::vector<std::uint8_t>(32)).error(), errc::bad_key);
  EXPECT_EQ(
      seal_fragment(samples::sample_header(), SkfFields{}, {}, std::vector<std::uint8_t>(35), 1)
          .error(),
      errc::bad_key);
}

TEST(SkfPayload, MalformedFragmentsRefusedBeforeDecryption) {
  const auto bytes = sealed_fragment(SkfFields{PayloadType::none, 2, 3}, {7, 7, 7});
  // Every truncation.
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(parse_fragment(std::span(bytes).first(n))) << n;
  }
  // Cut inside the protected body with both Length fields made consistent.
  for (std::size_t n = kHeaderSize + kSkfHeaderSize; n < kHeaderSize + 8 + 25; ++n) {
    std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    cut[27] = static_cast<std::uint8_t>(n);
    cut[31] = static_cast<std::uint8_t>(n - kHeaderSize);
    auto view = parse_fragment(cut);
    ASSERT_FALSE(view) << n;
    EXPECT_EQ(view.error(), errc::truncated) << n;
  }
  // Fragment number above the total, and a second fragment naming an inner payload.
  auto bad = bytes;
  bad[33] = 4;
  EXPECT_EQ(parse_fragment(bad).error(), errc::bad_value);
  bad = bytes;
  bad[kHeaderSize] = static_cast<std::uint8_t>(PayloadType::ke);
  EXPECT_EQ(parse_fragment(bad).error(), errc::bad_value);
  // Not a fragment message at all.
  const auto sk = seal_message(samples::small_informational(), samples::fragment_key(), 1).value();
  EXPECT_EQ(parse_fragment(sk.bytes).error(), errc::missing_encrypted_payload);
  // A plaintext payload before SKF.
  auto before = bytes;
  before[16] = static_cast<std::uint8_t>(PayloadType::vendor_id);
  const std::vector<std::uint8_t> vendor{static_cast<std::uint8_t>(PayloadType::skf), 0, 0, 5, 'x'};
  before.insert(before.begin() + kHeaderSize, vendor.begin(), vendor.end());
  before[27] = static_cast<std::uint8_t>(before.size());
  EXPECT_EQ(parse_fragment(before).error(), errc::bad_value);
}

TEST(SkfPayload, PlaintextAndSkParsersRefuseFragments) {
  const auto bytes = sealed_fragment(SkfFields{PayloadType::ke, 1, 2}, {1});
  EXPECT_EQ(parse_message(bytes).error(), errc::unexpected_encrypted_payload);
  EXPECT_EQ(open_message(bytes, samples::fragment_key()).error(), errc::missing_encrypted_payload);
}

}  // namespace
}  // namespace pqbranch::ikev2
