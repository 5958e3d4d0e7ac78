// AUTH method 14 with real keys: sign, verify, and the refusals.

#include "pqbranch/ikev2/signature_auth.hpp"

#include <gtest/gtest.h>

#include "pqbranch/crypto/signature.hpp"
#include "pqbranch/ikev2/errc.hpp"

#include "fakes/hex.hpp"

namespace pqbranch::ikev2 {
namespace {

using pqbranch::test::as_bytes;
using pqbranch::test::to_hex;

TEST(SignatureAuth, EcdsaP256SignsAndVerifies) {
  auto key = crypto::generate_signing_key(crypto::SignatureAlgorithm::ecdsa_p256_sha256);
  ASSERT_TRUE(key);
  auto pub = key->public_key();
  ASSERT_TRUE(pub);
  const auto octets = as_bytes("InitiatorSignedOctets");
  auto auth = sign_auth(*key, octets);
  ASSERT_TRUE(auth) << auth.error().message();
  EXPECT_EQ(auth->method, AuthMethod::digital_signature);
  EXPECT_EQ(to_hex(auth->data).substr(0, 26), "0c300a06082a8648ce3d040302");
  EXPECT_TRUE(verify(*auth));
  EXPECT_TRUE(verify_auth_signature(*pub, *auth, octets));
  // Other octets, or a modified signature: refused.
  EXPECT_EQ(verify_auth_signature(*pub, *auth, as_bytes("ResponderSignedOctets")).error(),
            errc::integrity_check_failed);
  auto tampered = *auth;
  tampered.data.back() ^= 1;
  EXPECT_FALSE(verify_auth_signature(*pub, tampered, octets));
}

TEST(SignatureAuth, Ed25519UsesItsAlgorithmIdentifier) {
  auto key = crypto::generate_signing_key(crypto::SignatureAlgorithm::ed25519);
  ASSERT_TRUE(key);
  auto auth = sign_auth(*key, as_bytes("octets"));
  ASSERT_TRUE(auth);
  EXPECT_EQ(parse_digital_signature(auth->data)->scheme, SignatureScheme::ed25519);
  EXPECT_TRUE(verify_auth_signature(key->public_key().value(), *auth, as_bytes("octets")));
}

TEST(SignatureAuth, RefusesMismatchedSchemeMethodAndKey) {
  auto ec = crypto::generate_signing_key(crypto::SignatureAlgorithm::ecdsa_p256_sha256).value();
  auto ed = crypto::generate_signing_key(crypto::SignatureAlgorithm::ed25519).value();
  auto auth = sign_auth(ec, as_bytes("octets")).value();
  // An ECDSA AUTH checked against an Ed25519 key.
  EXPECT_EQ(verify_auth_signature(ed.public_key().value(), auth, as_bytes("octets")).error(),
            errc::unsupported_algorithm);
  // A P-256 signature relabelled ecdsa-with-SHA384.
  auto relabelled = auth;
  relabelled.data[12] = 0x03;
  EXPECT_EQ(verify_auth_signature(ec.public_key().value(), relabelled, as_bytes("octets")).error(),
            errc::unsupported_algorithm);
  // PSK AUTH given to the signature check.
  const AuthPayload psk{AuthMethod::shared_key_mic, std::vector<std::uint8_t>(48, 1)};
  EXPECT_EQ(verify_auth_signature(ec.public_key().value(), psk, as_bytes("octets")).error(),
            errc::unsupported_algorithm);
  // ML-DSA has no IKEv2 encoding here.
  auto mldsa = crypto::generate_signing_key(crypto::SignatureAlgorithm::ml_dsa_65).value();
  EXPECT_EQ(sign_auth(mldsa, as_bytes("octets")).error(), errc::unsupported_algorithm);
}

}  // namespace
}  // namespace pqbranch::ikev2
