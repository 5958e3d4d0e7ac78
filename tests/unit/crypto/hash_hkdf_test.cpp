#include <gtest/gtest.h>

#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/hash.hpp"
#include "pqbranch/crypto/hkdf.hpp"

#include "fakes/hex.hpp"

namespace pqbranch::crypto {
namespace {

using test::as_bytes;
using test::from_hex;
using test::to_hex;

TEST(Digest, MatchesFips180Vectors) {
  auto d256 = digest(Hash::sha256, as_bytes("abc"));
  ASSERT_TRUE(d256);
  EXPECT_EQ(to_hex(*d256), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto d384 = digest(Hash::sha384, as_bytes("abc"));
  ASSERT_TRUE(d384);
  EXPECT_EQ(to_hex(*d384),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
            "8086072ba1e7cc2358baeca134c825a7");
}

TEST(Digest, Sha512AndSha1MatchFips180Vectors) {
  auto d512 = digest(Hash::sha512, as_bytes("abc"));
  ASSERT_TRUE(d512);
  EXPECT_EQ(to_hex(*d512),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(digest_size(Hash::sha512), 64U);
  // SHA-1 only for IKEv2 NAT detection (RFC 7296 §2.23).
  auto d1 = sha1_digest(as_bytes("abc"));
  ASSERT_TRUE(d1);
  EXPECT_EQ(to_hex(*d1), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

// RFC 4231 §4.3, test case 2.
TEST(Hmac, MatchesRfc4231TestCase2) {
  const auto key = as_bytes("Jefe");
  const auto data = as_bytes("what do ya want for nothing?");
  auto h256 = hmac(Hash::sha256, key, data);
  ASSERT_TRUE(h256);
  EXPECT_EQ(to_hex(h256->span()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  auto h384 = hmac(Hash::sha384, key, data);
  ASSERT_TRUE(h384);
  EXPECT_EQ(to_hex(h384->span()),
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
            "8e2240ca5e69e2c78b3239ecfab21649");
}

// RFC 5869 Appendix A.1.
TEST(Hkdf, MatchesRfc5869TestCase1) {
  const auto ikm = from_hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  const auto salt = from_hex("000102030405060708090a0b0c");
  const auto info = from_hex("f0f1f2f3f4f5f6f7f8f9");
  auto prk = hkdf_extract(Hash::sha256, salt, ikm);
  ASSERT_TRUE(prk) << prk.error().message();
  EXPECT_EQ(to_hex(prk->span()),
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  auto okm = hkdf_expand(Hash::sha256, prk->span(), info, 42);
  ASSERT_TRUE(okm) << okm.error().message();
  EXPECT_EQ(to_hex(okm->span()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
            "34007208d5b887185865");
}

// RFC 5869 Appendix A.3: empty salt (HashLen zeros) and empty info.
TEST(Hkdf, MatchesRfc5869TestCase3) {
  const auto ikm = from_hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  auto prk = hkdf_extract(Hash::sha256, {}, ikm);
  ASSERT_TRUE(prk);
  EXPECT_EQ(to_hex(prk->span()),
            "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
  auto okm = hkdf(Hash::sha256, {}, ikm, {}, 42);
  ASSERT_TRUE(okm);
  EXPECT_EQ(to_hex(okm->span()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
            "9d201395faa4b61a96c8");
}

// RFC 5869 has no SHA-384 vectors: check against its definition, built from HMAC (whose
// SHA-384 output is checked above): PRK = HMAC(salt, IKM), T(1) = HMAC(PRK, info | 0x01),
// T(2) = HMAC(PRK, T(1) | info | 0x02).
TEST(Hkdf, Sha384FollowsRfc5869Definition) {
  const auto ikm = as_bytes("input keying material");
  const auto salt = as_bytes("salt");
  const auto info = as_bytes("info");
  auto prk = hmac(Hash::sha384, salt, ikm);
  ASSERT_TRUE(prk);
  std::vector<std::uint8_t> in1(info.begin(), info.end());
  in1.push_back(1);
  auto t1 = hmac(Hash::sha384, prk->span(), in1);
  ASSERT_TRUE(t1);
  std::vector<std::uint8_t> in2(t1->span().begin(), t1->span().end());
  in2.insert(in2.end(), info.begin(), info.end());
  in2.push_back(2);
  auto t2 = hmac(Hash::sha384, prk->span(), in2);
  ASSERT_TRUE(t2);
  std::vector<std::uint8_t> expected(t1->span().begin(), t1->span().end());
  expected.insert(expected.end(), t2->span().begin(), t2->span().begin() + 12);

  auto okm = hkdf(Hash::sha384, salt, ikm, info, 60);
  ASSERT_TRUE(okm);
  EXPECT_TRUE(okm->equals(expected));
}

TEST(Hkdf, RefusesLengthsOutsideRfcBounds) {
  const std::vector<std::uint8_t> prk(32, 1);
  EXPECT_EQ(hkdf_expand(Hash::sha256, prk, {}, 0).error(), errc::invalid_argument);
  EXPECT_EQ(hkdf_expand(Hash::sha256, prk, {}, 255 * 32 + 1).error(), errc::invalid_argument);
  EXPECT_TRUE(hkdf_expand(Hash::sha256, prk, {}, 255 * 32));
  const std::vector<std::uint8_t> short_prk(31, 1);
  EXPECT_EQ(hkdf_expand(Hash::sha256, short_prk, {}, 32).error(), errc::invalid_argument);
}

}  // namespace
}  // namespace pqbranch::crypto
