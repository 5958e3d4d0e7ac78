#include "pqbranch/crypto/ml_kem.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/signature.hpp"

namespace pqbranch::crypto {
namespace {

// Sets the first (i = 0) or last coefficient of t̂ in an encapsulation key to `value`
// (12 bits, two coefficients per 3 bytes, little-endian; FIPS 203 Algorithm 5).
void set_coefficient(std::vector<std::uint8_t>& ek, bool last, unsigned value) {
  const std::size_t packed = ek.size() - 32;
  if (!last) {
    ek[0] = static_cast<std::uint8_t>(value & 0xFFU);
    ek[1] = static_cast<std::uint8_t>((ek[1] & 0xF0U) | (value >> 8U));
  } else {
    const std::size_t i = packed - 3;  // the last 3 bytes hold coefficients 2j, 2j+1
    ek[i + 1] = static_cast<std::uint8_t>((ek[i + 1] & 0x0FU) | ((value & 0x0FU) << 4U));
    ek[i + 2] = static_cast<std::uint8_t>(value >> 4U);
  }
}

class MlKemTest : public ::testing::TestWithParam<MlKem> {};

TEST_P(MlKemTest, EncapsulateAndDecapsulateAgree) {
  const MlKem p = GetParam();
  auto dk = ml_kem_generate(p);
  ASSERT_TRUE(dk) << dk.error().message();
  EXPECT_EQ(dk->type_name(), to_string(p));
  auto ek = ml_kem_encapsulation_key(*dk);
  ASSERT_TRUE(ek);
  EXPECT_EQ(ek->size(), ml_kem_sizes(p).encapsulation_key);

  auto enc = ml_kem_encapsulate(p, *ek);
  ASSERT_TRUE(enc) << enc.error().message();
  EXPECT_EQ(enc->ciphertext.size(), ml_kem_sizes(p).ciphertext);
  EXPECT_EQ(enc->shared_secret.size(), 32U);
  auto ss = ml_kem_decapsulate(*dk, enc->ciphertext);
  ASSERT_TRUE(ss);
  EXPECT_TRUE(ss->equals(enc->shared_secret.span()));

  // A second encapsulation gives a fresh secret.
  auto enc2 = ml_kem_encapsulate(p, *ek);
  ASSERT_TRUE(enc2);
  EXPECT_FALSE(enc2->shared_secret.equals(enc->shared_secret.span()));
}

TEST_P(MlKemTest, ModifiedCiphertextGivesADifferentSecret) {
  const MlKem p = GetParam();
  auto dk = ml_kem_generate(p);
  ASSERT_TRUE(dk);
  auto enc = ml_kem_encapsulate(p, ml_kem_encapsulation_key(*dk).value());
  ASSERT_TRUE(enc);
  auto ct = enc->ciphertext;
  ct[ct.size() / 2] ^= 0x01;
  // Implicit rejection (FIPS 203 §6.3): decapsulation succeeds with an unrelated secret.
  auto ss = ml_kem_decapsulate(*dk, ct);
  ASSERT_TRUE(ss);
  EXPECT_EQ(ss->size(), 32U);
  EXPECT_FALSE(ss->equals(enc->shared_secret.span()));
  // ...and the same one every time for that ciphertext (it is derived, not random).
  auto again = ml_kem_decapsulate(*dk, ct);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->equals(ss->span()));
}

TEST_P(MlKemTest, WrongCiphertextLengthIsRefused) {
  const MlKem p = GetParam();
  auto dk = ml_kem_generate(p);
  ASSERT_TRUE(dk);
  const std::vector<std::uint8_t> ct(ml_kem_sizes(p).ciphertext - 1, 0);
  EXPECT_EQ(ml_kem_decapsulate(*dk, ct).error(), errc::invalid_argument);
}

TEST_P(MlKemTest, EncapsulationKeyCheckRefusesCoefficientsAtOrAboveQ) {
  const MlKem p = GetParam();
  auto dk = ml_kem_generate(p);
  ASSERT_TRUE(dk);
  const auto good = ml_kem_encapsulation_key(*dk).value();
  ASSERT_TRUE(ml_kem_check_encapsulation_key(p, good));

  for (const bool last : {false, true}) {
    for (const unsigned value : {3329U, 4095U}) {
      auto bad = good;
      set_coefficient(bad, last, value);
      auto check = ml_kem_check_encapsulation_key(p, bad);
      ASSERT_FALSE(check) << "coefficient " << value << (last ? " last" : " first");
      EXPECT_EQ(check.error(), errc::bad_key);
      EXPECT_NE(check.error().detail.find("modulus check"), std::string::npos);
      auto enc = ml_kem_encapsulate(p, bad);
      ASSERT_FALSE(enc);
      EXPECT_EQ(enc.error(), errc::bad_key);
    }
    // q - 1 is the largest valid coefficient.
    auto edge = good;
    set_coefficient(edge, last, 3328U);
    EXPECT_TRUE(ml_kem_check_encapsulation_key(p, edge));
    EXPECT_TRUE(ml_kem_encapsulate(p, edge));
  }
}

// What we found: OpenSSL 3.5 runs the FIPS 203 §7.2 modulus check itself when it imports a
// raw encapsulation key (EVP_PKEY_new_raw_public_key_ex fails with "invalid public 't'
// vector"). This test pins that behaviour, which our own check duplicates on purpose.
TEST_P(MlKemTest, OpenSslAlsoRefusesSuchKeysOnImport) {
  const MlKem p = GetParam();
  auto dk = ml_kem_generate(p);
  ASSERT_TRUE(dk);
  auto bad = ml_kem_encapsulation_key(*dk).value();
  set_coefficient(bad, false, 3329U);
  const std::string name(to_string(p));
  EVP_PKEY* imported =
      EVP_PKEY_new_raw_public_key_ex(nullptr, name.c_str(), nullptr, bad.data(), bad.size());
  EXPECT_EQ(imported, nullptr);
  EVP_PKEY_free(imported);
  ERR_clear_error();
}

TEST_P(MlKemTest, WrongEncapsulationKeyLengthIsRefused) {
  const MlKem p = GetParam();
  const std::vector<std::uint8_t> ek(ml_kem_sizes(p).encapsulation_key + 1, 0);
  auto r = ml_kem_encapsulate(p, ek);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::bad_key);
  EXPECT_NE(r.error().detail.find("type check"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Params, MlKemTest,
                         ::testing::Values(MlKem::ml_kem_768, MlKem::ml_kem_1024),
                         [](const auto& param_info) {
                           return param_info.param == MlKem::ml_kem_768 ? "MlKem768" : "MlKem1024";
                         });

TEST(MlKem, KeyOfTheOtherParameterSetOrTypeIsNotUsedByMistake) {
  auto dk768 = ml_kem_generate(MlKem::ml_kem_768);
  ASSERT_TRUE(dk768);
  // A 768 key offered where a 1024 one is expected fails the type check.
  EXPECT_FALSE(ml_kem_encapsulate(MlKem::ml_kem_1024, ml_kem_encapsulation_key(*dk768).value()));
  auto ed = generate_signing_key(SignatureAlgorithm::ed25519);
  ASSERT_TRUE(ed);
  EXPECT_EQ(ml_kem_decapsulate(*ed, std::vector<std::uint8_t>(1088)).error(), errc::bad_key);
  EXPECT_EQ(ml_kem_encapsulation_key(*ed).error(), errc::bad_key);
}

}  // namespace
}  // namespace pqbranch::crypto
