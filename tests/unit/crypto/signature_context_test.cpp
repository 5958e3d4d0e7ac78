#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/signature.hpp"

#include "fakes/hex.hpp"

namespace pqbranch::crypto {
namespace {

using test::as_bytes;
using test::from_hex;
using test::to_hex;

// RFC 8032 §7.2, the first Ed25519ctx test ("foo"): a known answer proves the context
// selects Ed25519ctx (dom2 with flag 0), not pure Ed25519 or Ed25519ph.
TEST(SignatureContext, Ed25519WithAContextIsEd25519ctxOfRfc8032) {
  const auto secret = from_hex("0305334e381af78f141cb666f6199f57bc3495335a256a95bd2a55bf546663f6");
  PrivateKey key(PkeyHandle(
      EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, secret.data(), secret.size())));
  ASSERT_NE(key.native(), nullptr);
  std::array<std::uint8_t, 32> pub{};
  std::size_t len = pub.size();
  ASSERT_EQ(EVP_PKEY_get_raw_public_key(key.native(), pub.data(), &len), 1);
  EXPECT_EQ(to_hex(pub), "dfc9425e4f968f7f0c29f0259cf5f9aed6851c2bb4ad8bfb860cfee0ab248292");

  const auto message = from_hex("f726936d19c800494e3fdaff20b276a8");
  const std::string expected =
      "55a4cc2f70a54e04288c5f4cd1e45a7bb520b36292911876cada7323198dd87a"
      "8b36950b95130022907a7fb7c4e9b2d5f6cca685a587b4b21f4b888e4e7edb0d";
  auto sig = sign(key, message, {"foo"});
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_EQ(to_hex(*sig), expected);

  const auto public_key = key.public_key().value();
  EXPECT_TRUE(verify(public_key, message, from_hex(expected), {"foo"}));
  EXPECT_EQ(verify(public_key, message, from_hex(expected), {"bar"}).error(), errc::bad_signature);
  EXPECT_EQ(verify(public_key, message, from_hex(expected)).error(), errc::bad_signature);
}

class ContextAlgorithms : public ::testing::TestWithParam<SignatureAlgorithm> {};

TEST_P(ContextAlgorithms, ASignatureVerifiesOnlyInItsOwnContext) {
  auto key = generate_signing_key(GetParam()).value();
  auto pub = key.public_key().value();
  const auto msg = as_bytes("pqbranch-release 1\n");
  auto sig = sign(key, msg, {"purpose one"}).value();
  EXPECT_TRUE(verify(pub, msg, sig, {"purpose one"}));
  EXPECT_EQ(verify(pub, msg, sig, {"purpose two"}).error(), errc::bad_signature);
  EXPECT_EQ(verify(pub, msg, sig, {"purpose on"}).error(), errc::bad_signature);
  EXPECT_EQ(verify(pub, msg, sig).error(), errc::bad_signature);
  // And a signature without a context does not verify in one.
  auto plain = sign(key, msg).value();
  EXPECT_EQ(verify(pub, msg, plain, {"purpose one"}).error(), errc::bad_signature);
}

TEST_P(ContextAlgorithms, AContextIsOneTo255Bytes) {
  auto key = generate_signing_key(GetParam()).value();
  const auto msg = as_bytes("m");
  EXPECT_EQ(sign(key, msg, {""}).error(), errc::invalid_argument);
  const std::string longest(kMaxSignatureContextBytes, 'c');
  EXPECT_TRUE(sign(key, msg, {longest}));
  const std::string too_long(kMaxSignatureContextBytes + 1, 'c');
  EXPECT_EQ(sign(key, msg, {too_long}).error(), errc::invalid_argument);
  EXPECT_EQ(verify(key.public_key().value(), msg, {}, {too_long}).error(), errc::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, ContextAlgorithms,
                         ::testing::Values(SignatureAlgorithm::ml_dsa_65,
                                           SignatureAlgorithm::ed25519),
                         [](const auto& param_info) {
                           return param_info.param == SignatureAlgorithm::ml_dsa_65
                                      ? std::string("MlDsa65")
                                      : std::string("Ed25519");
                         });

TEST(SignatureContext, EcdsaHasNoContext) {
  auto key = generate_signing_key(SignatureAlgorithm::ecdsa_p256_sha256).value();
  EXPECT_EQ(sign(key, as_bytes("m"), {"purpose"}).error(), errc::invalid_argument);
  auto sig = sign(key, as_bytes("m")).value();
  EXPECT_EQ(verify(key.public_key().value(), as_bytes("m"), sig, {"purpose"}).error(),
            errc::invalid_argument);
}

}  // namespace
}  // namespace pqbranch::crypto
