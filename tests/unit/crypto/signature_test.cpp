#include "pqbranch/crypto/signature.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "pqbranch/crypto/error.hpp"

#include "fakes/hex.hpp"

namespace pqbranch::crypto {
namespace {

using test::as_bytes;
using test::from_hex;
using test::to_hex;

class SignatureTest : public ::testing::TestWithParam<SignatureAlgorithm> {};

TEST_P(SignatureTest, SignsAndVerifies) {
  auto key = generate_signing_key(GetParam());
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(signature_algorithm_of(key->native()).value(), GetParam());
  auto pub = key->public_key();
  ASSERT_TRUE(pub);
  const auto msg = as_bytes("generation 7, SPI 0xc0ffee01");
  auto sig = sign(*key, msg);
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_TRUE(verify(*pub, msg, *sig));
}

TEST_P(SignatureTest, FlippedBitInSignatureOrMessageFails) {
  auto key = generate_signing_key(GetParam());
  ASSERT_TRUE(key);
  auto pub = key->public_key().value();
  const std::string text = "generation 7, SPI 0xc0ffee01";
  auto sig = sign(*key, as_bytes(text)).value();

  for (const std::size_t at : {std::size_t{0}, sig.size() / 2, sig.size() - 1}) {
    auto bad = sig;
    bad[at] ^= 0x01;
    auto r = verify(pub, as_bytes(text), bad);
    ASSERT_FALSE(r) << "flipped byte " << at;
    EXPECT_EQ(r.error(), errc::bad_signature);
  }
  std::string other = text;
  other[0] ^= 0x01;
  EXPECT_EQ(verify(pub, as_bytes(other), sig).error(), errc::bad_signature);
  EXPECT_EQ(verify(pub, as_bytes(text), {}).error(), errc::bad_signature);
}

TEST_P(SignatureTest, AnotherKeysSignatureFails) {
  auto a = generate_signing_key(GetParam()).value();
  auto b = generate_signing_key(GetParam()).value();
  auto sig = sign(a, as_bytes("m")).value();
  EXPECT_EQ(verify(b.public_key().value(), as_bytes("m"), sig).error(), errc::bad_signature);
}

TEST_P(SignatureTest, PublicKeyRoundTripsThroughDer) {
  auto key = generate_signing_key(GetParam()).value();
  auto der = public_key_der(key.public_key().value());
  ASSERT_TRUE(der);
  auto pub = public_key_from_der(*der);
  ASSERT_TRUE(pub);
  auto sig = sign(key, as_bytes("m")).value();
  EXPECT_TRUE(verify(*pub, as_bytes("m"), sig));
  auto trailing = *der;
  trailing.push_back(0);
  EXPECT_EQ(public_key_from_der(trailing).error(), errc::bad_key);
  trailing.resize(der->size() / 2);
  EXPECT_EQ(public_key_from_der(trailing).error(), errc::bad_key);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, SignatureTest,
                         ::testing::Values(SignatureAlgorithm::ml_dsa_65,
                                           SignatureAlgorithm::ed25519,
                                           SignatureAlgorithm::ecdsa_p256_sha256),
                         [](const auto& param_info) {
                           switch (param_info.param) {
                             case SignatureAlgorithm::ml_dsa_65:
                               return std::string("MlDsa65");
                             case SignatureAlgorithm::ed25519:
                               return std::string("Ed25519");
                             case SignatureAlgorithm::ecdsa_p256_sha256:
                               return std::string("EcdsaP256");
                           }
                           return std::string("unknown");
                         });

// RFC 8032 §7.1, TEST 1: Ed25519 is deterministic, so the signature is a known answer.
TEST(Ed25519, MatchesRfc8032Test1) {
  const auto secret = from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  PrivateKey key(PkeyHandle(
      EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, secret.data(), secret.size())));
  ASSERT_NE(key.native(), nullptr);
  std::array<std::uint8_t, 32> pub{};
  std::size_t len = pub.size();
  ASSERT_EQ(EVP_PKEY_get_raw_public_key(key.native(), pub.data(), &len), 1);
  EXPECT_EQ(to_hex(pub), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  auto sig = sign(key, {});
  ASSERT_TRUE(sig);
  EXPECT_EQ(to_hex(*sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
            "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

TEST(Signature, KeysOfOtherTypesAreRefused) {
  PkeyHandle p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  ASSERT_TRUE(p384);
  auto r = signature_algorithm_of(p384.get());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::bad_key);
  PrivateKey key(std::move(p384));
  EXPECT_EQ(sign(key, as_bytes("m")).error(), errc::bad_key);
  PrivateKey kem(PkeyHandle(EVP_PKEY_Q_keygen(nullptr, nullptr, "ML-KEM-768")));
  EXPECT_EQ(sign(kem, as_bytes("m")).error(), errc::bad_key);
}

}  // namespace
}  // namespace pqbranch::crypto
