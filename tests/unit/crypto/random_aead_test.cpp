#include <array>

#include <gtest/gtest.h>

#include "pqbranch/crypto/aead.hpp"
#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/random.hpp"

#include "fakes/hex.hpp"

namespace pqbranch::crypto {
namespace {

using test::from_hex;
using test::to_hex;

TEST(Random, GivesTheRequestedSizeAndDifferentBytesEachTime) {
  auto a = random_bytes(32);
  auto b = random_bytes(32);
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(a->size(), 32U);
  EXPECT_FALSE(a->equals(b->span()));  // 2^-256 chance of a false failure
  auto none = random_bytes(0);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(Random, FillsASpan) {
  std::array<std::uint8_t, 64> buf{};
  ASSERT_TRUE(random_fill(buf));
  std::array<std::uint8_t, 64> zero{};
  EXPECT_NE(buf, zero);
}

// The GCM specification (McGrew & Viega), test case 16: AES-256, 60-byte plaintext, AAD.
TEST(Aes256Gcm, MatchesGcmSpecTestCase16) {
  const auto key = from_hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const auto nonce = from_hex("cafebabefacedbaddecaf888");
  const auto aad = from_hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const auto pt = from_hex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
  const std::string expected =
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
      "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
      "76fc6ece0f4e1768cddf8853bb2d551b";
  auto sealed = aes256gcm_seal(key, nonce, aad, pt);
  ASSERT_TRUE(sealed) << sealed.error().message();
  EXPECT_EQ(to_hex(*sealed), expected);
  auto opened = aes256gcm_open(key, nonce, aad, *sealed);
  ASSERT_TRUE(opened);
  EXPECT_TRUE(opened->equals(pt));
}

// Test case 13: zero key and nonce, empty plaintext: the output is the tag alone.
TEST(Aes256Gcm, MatchesGcmSpecTestCase13) {
  const std::vector<std::uint8_t> key(32, 0);
  const std::vector<std::uint8_t> nonce(12, 0);
  auto sealed = aes256gcm_seal(key, nonce, {}, {});
  ASSERT_TRUE(sealed);
  EXPECT_EQ(to_hex(*sealed), "530f8afbc74536b9a963b4f1c4cb738b");
  auto opened = aes256gcm_open(key, nonce, {}, *sealed);
  ASSERT_TRUE(opened);
  EXPECT_TRUE(opened->empty());
}

class Aes256GcmTamper : public ::testing::Test {
 protected:
  std::vector<std::uint8_t> key = std::vector<std::uint8_t>(32, 7);
  std::vector<std::uint8_t> nonce = std::vector<std::uint8_t>(12, 9);
  std::vector<std::uint8_t> aad = from_hex("0001020304");
  std::vector<std::uint8_t> pt = from_hex("48656c6c6f2c20455350");
  std::vector<std::uint8_t> sealed = aes256gcm_seal(key, nonce, aad, pt).value();

  void expect_refused(std::span<const std::uint8_t> k, std::span<const std::uint8_t> n,
                      std::span<const std::uint8_t> a, std::span<const std::uint8_t> s) {
    auto r = aes256gcm_open(k, n, a, s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::authentication_failed);
  }
};

TEST_F(Aes256GcmTamper, RoundTrips) {
  EXPECT_EQ(sealed.size(), pt.size() + kGcmTagSize);
  auto r = aes256gcm_open(key, nonce, aad, sealed);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->equals(pt));
}

TEST_F(Aes256GcmTamper, DetectsAFlippedCiphertextBit) {
  sealed[0] ^= 0x01;
  expect_refused(key, nonce, aad, sealed);
}

TEST_F(Aes256GcmTamper, DetectsAFlippedTagBit) {
  sealed.back() ^= 0x80;
  expect_refused(key, nonce, aad, sealed);
}

TEST_F(Aes256GcmTamper, DetectsOtherAadNonceOrKey) {
  auto other_aad = aad;
  other_aad[0] ^= 1;
  expect_refused(key, nonce, other_aad, sealed);
  auto other_nonce = nonce;
  other_nonce[11] ^= 1;
  expect_refused(key, other_nonce, aad, sealed);
  auto other_key = key;
  other_key[31] ^= 1;
  expect_refused(other_key, nonce, aad, sealed);
}

TEST_F(Aes256GcmTamper, DetectsTruncation) {
  expect_refused(key, nonce, aad, std::span(sealed).first(sealed.size() - 1));
  expect_refused(key, nonce, aad, std::span(sealed).first(kGcmTagSize - 1));
}

TEST(Aes256Gcm, RefusesWrongKeyAndNonceSizes) {
  const std::vector<std::uint8_t> k16(16, 0);
  const std::vector<std::uint8_t> k32(32, 0);
  const std::vector<std::uint8_t> n8(8, 0);
  const std::vector<std::uint8_t> n12(12, 0);
  EXPECT_EQ(aes256gcm_seal(k16, n12, {}, {}).error(), errc::invalid_argument);
  EXPECT_EQ(aes256gcm_seal(k32, n8, {}, {}).error(), errc::invalid_argument);
}

}  // namespace
}  // namespace pqbranch::crypto
