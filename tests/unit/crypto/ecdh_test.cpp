#include "pqbranch/crypto/ecdh.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "pqbranch/crypto/error.hpp"

#include "fakes/hex.hpp"

namespace pqbranch::crypto {
namespace {

using test::from_hex;
using test::to_hex;

// RFC 7748 §6.1.
TEST(X25519, MatchesRfc7748Vector) {
  const auto alice = from_hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  PrivateKey key(PkeyHandle(
      EVP_PKEY_new_raw_private_key_ex(nullptr, "X25519", nullptr, alice.data(), alice.size())));
  ASSERT_NE(key.native(), nullptr);
  auto pub = ecdh_public_value(key);
  ASSERT_TRUE(pub);
  EXPECT_EQ(to_hex(*pub), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  const auto bob = from_hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  auto shared = ecdh_derive(key, bob);
  ASSERT_TRUE(shared) << shared.error().message();
  EXPECT_EQ(to_hex(shared->span()),
            "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
}

TEST(X25519, AllZeroSharedSecretIsRefused) {
  auto key = ecdh_generate(EcdhGroup::x25519).value();
  const std::vector<std::uint8_t> zero(32, 0);  // a small-order point
  auto r = ecdh_derive(key, zero);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::bad_key);
}

class EcdhTest : public ::testing::TestWithParam<EcdhGroup> {};

TEST_P(EcdhTest, BothSidesDeriveTheSameSecret) {
  auto a = ecdh_generate(GetParam()).value();
  auto b = ecdh_generate(GetParam()).value();
  auto sa = ecdh_derive(a, ecdh_public_value(b).value());
  auto sb = ecdh_derive(b, ecdh_public_value(a).value());
  ASSERT_TRUE(sa) << sa.error().message();
  ASSERT_TRUE(sb);
  EXPECT_TRUE(sa->equals(sb->span()));
  EXPECT_EQ(sa->size(), GetParam() == EcdhGroup::p384 ? 48U : 32U);
}

TEST_P(EcdhTest, MalformedPeerValuesAreRefused) {
  auto a = ecdh_generate(GetParam()).value();
  auto pub = ecdh_public_value(ecdh_generate(GetParam()).value()).value();
  auto longer = pub;
  longer.push_back(0);
  EXPECT_EQ(ecdh_derive(a, longer).error(), errc::bad_key);
  if (GetParam() != EcdhGroup::x25519) {
    auto off_curve = pub;
    off_curve.back() ^= 0x01;  // y no longer matches x
    EXPECT_EQ(ecdh_derive(a, off_curve).error(), errc::bad_key);
    auto compressed = pub;
    compressed[0] = 0x02;
    EXPECT_EQ(ecdh_derive(a, compressed).error(), errc::bad_key);
  }
}

INSTANTIATE_TEST_SUITE_P(Groups, EcdhTest,
                         ::testing::Values(EcdhGroup::x25519, EcdhGroup::p256, EcdhGroup::p384),
                         [](const auto& param_info) {
                           return param_info.param == EcdhGroup::x25519 ? std::string("X25519")
                                  : param_info.param == EcdhGroup::p256 ? std::string("P256")
                                                                        : std::string("P384");
                         });

}  // namespace
}  // namespace pqbranch::crypto
