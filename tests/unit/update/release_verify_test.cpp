#include "pqbranch/update/release_verify.hpp"

#include <string>

#include <gtest/gtest.h>

#include "pqbranch/core/base64.hpp"
#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/signature.hpp"
#include "pqbranch/update/errc.hpp"
#include "pqbranch/update/release_signature.hpp"

#include "fakes/hex.hpp"
#include "fakes/release_samples.hpp"

namespace pqbranch::update {
namespace {

using namespace std::chrono;
using test::as_bytes;
using test::kSampleNow;

constexpr Version kRunning{0, 1, 0};

class ReleaseVerify : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    signer_ = new ReleaseSigningKeys(test::make_release_signing_keys());
    other_ = new ReleaseSigningKeys(test::make_release_signing_keys());
  }
  static void TearDownTestSuite() {
    delete signer_;
    delete other_;
  }

  static std::string signed_file(const Manifest& m, const ReleaseSigningKeys& keys = *signer_) {
    return sign_manifest(m, keys).value();
  }
  // The file of `m` with signatures over its message made as the arguments say.
  static std::string file_with(const Manifest& m, const std::vector<std::uint8_t>& ml_dsa,
                               const std::vector<std::uint8_t>& ed) {
    return manifest_file(manifest_message(m).value(), ml_dsa, ed);
  }
  static std::vector<std::uint8_t> sig(const crypto::PrivateKey& key, const Manifest& m,
                                       std::string_view context = kReleaseSignatureContext) {
    return crypto::sign(key, as_bytes(manifest_message(m).value()), {context}).value();
  }

  core::Result<Manifest> verify(const std::string& file, Version running = kRunning,
                                std::string_view channel = "stable",
                                system_clock::time_point now = kSampleNow) const {
    auto parsed = parse_signed_manifest(file);
    if (!parsed) return parsed.error();
    return verify_release(*parsed, pinned_, running, channel, now);
  }

  static void expect_refused(const core::Result<Manifest>& r, errc want) {
    ASSERT_FALSE(r) << "accepted; wanted " << describe(want);
    EXPECT_EQ(r.error(), want) << r.error().message();
  }

  static ReleaseSigningKeys* signer_;
  static ReleaseSigningKeys* other_;
  ReleaseKeys pinned_ = signer_->public_keys().value();
  Manifest m_ = test::sample_manifest();
};
ReleaseSigningKeys* ReleaseVerify::signer_ = nullptr;
ReleaseSigningKeys* ReleaseVerify::other_ = nullptr;

TEST_F(ReleaseVerify, NewerReleaseOfTheAgentsChannelWithinItsValidityIsAccepted) {
  auto r = verify(signed_file(m_));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, m_);
}

TEST_F(ReleaseVerify, EachMissingSignatureIsSignatureMissing) {
  const auto ml = sig(signer_->ml_dsa_65(), m_);
  const auto ed = sig(signer_->ed25519(), m_);
  const std::string message = manifest_message(m_).value();
  expect_refused(verify(message + "sig-ed25519=" + core::base64_encode(ed) + "\n"),
                 errc::signature_missing);
  expect_refused(verify(message + "sig-ml-dsa-65=" + core::base64_encode(ml) + "\n"),
                 errc::signature_missing);
  expect_refused(verify(message), errc::signature_missing);
  // Missing is reported even when the signature that is there is wrong too.
  auto bad_ed = ed;
  bad_ed[0] ^= 1U;
  expect_refused(verify(message + "sig-ed25519=" + core::base64_encode(bad_ed) + "\n"),
                 errc::signature_missing);
}

TEST_F(ReleaseVerify, AWrongSignatureOfEitherAlgorithmIsSignatureInvalid) {
  const auto ml = sig(signer_->ml_dsa_65(), m_);
  const auto ed = sig(signer_->ed25519(), m_);
  for (const std::size_t at : {std::size_t{0}, std::size_t{31}, std::size_t{63}}) {
    auto bad_ml = ml;
    bad_ml[at * 50] ^= 0x80U;
    expect_refused(verify(file_with(m_, bad_ml, ed)), errc::signature_invalid);
    auto bad_ed = ed;
    bad_ed[at] ^= 0x80U;
    expect_refused(verify(file_with(m_, ml, bad_ed)), errc::signature_invalid);
  }
  // Cut short or padded.
  expect_refused(verify(file_with(m_, {ml.begin(), ml.end() - 1}, ed)), errc::signature_invalid);
  auto longer = ed;
  longer.push_back(0);
  expect_refused(verify(file_with(m_, ml, longer)), errc::signature_invalid);
}

TEST_F(ReleaseVerify, SignaturesByAnotherKeyOfTheSameAlgorithmAreInvalid) {
  expect_refused(verify(file_with(m_, sig(other_->ml_dsa_65(), m_), sig(signer_->ed25519(), m_))),
                 errc::signature_invalid);
  expect_refused(verify(file_with(m_, sig(signer_->ml_dsa_65(), m_), sig(other_->ed25519(), m_))),
                 errc::signature_invalid);
  expect_refused(verify(signed_file(m_, *other_)), errc::signature_invalid);
}

TEST_F(ReleaseVerify, SignaturesMadeWithTheOtherAlgorithmsKeyAreInvalid) {
  const auto ml = sig(signer_->ml_dsa_65(), m_);
  const auto ed = sig(signer_->ed25519(), m_);
  // The Ed25519 signature on the ML-DSA-65 line and the other way round.
  expect_refused(verify(file_with(m_, ed, ed)), errc::signature_invalid);
  expect_refused(verify(file_with(m_, ml, ml)), errc::signature_invalid);
  expect_refused(verify(file_with(m_, ed, ml)), errc::signature_invalid);
  // Nor can the pinned keys be given in each other's place.
  auto swapped = ReleaseKeys::create(signer_->ed25519().public_key().value(),
                                     signer_->ml_dsa_65().public_key().value());
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error(), crypto::errc::bad_key);
  auto ecdsa = crypto::generate_signing_key(crypto::SignatureAlgorithm::ecdsa_p256_sha256).value();
  EXPECT_EQ(
      ReleaseKeys::create(signer_->ml_dsa_65().public_key().value(), ecdsa.public_key().value())
          .error(),
      crypto::errc::bad_key);
}

TEST_F(ReleaseVerify, SignaturesByTheRightKeysInAnotherContextAreInvalid) {
  const auto ml = sig(signer_->ml_dsa_65(), m_);
  const auto ed = sig(signer_->ed25519(), m_);
  const auto ml_v2 = sig(signer_->ml_dsa_65(), m_, "pqbranch release manifest v2");
  const auto ed_v2 = sig(signer_->ed25519(), m_, "pqbranch release manifest v2");
  expect_refused(verify(file_with(m_, ml_v2, ed)), errc::signature_invalid);
  expect_refused(verify(file_with(m_, ml, ed_v2)), errc::signature_invalid);
  // Without a context (ML-DSA's empty context, pure Ed25519): what TLS or IKE would sign.
  const auto message = manifest_message(m_).value();
  const auto ml_plain = crypto::sign(signer_->ml_dsa_65(), as_bytes(message)).value();
  const auto ed_plain = crypto::sign(signer_->ed25519(), as_bytes(message)).value();
  expect_refused(verify(file_with(m_, ml_plain, ed)), errc::signature_invalid);
  expect_refused(verify(file_with(m_, ml, ed_plain)), errc::signature_invalid);
}

TEST_F(ReleaseVerify, ChangingAnySignedByteIsSignatureInvalid) {
  const std::string good = signed_file(m_);
  const std::size_t message_size = manifest_message(m_).value().size();
  // Edits that keep the file well-formed, one in each line of the message.
  const std::vector<std::pair<std::string, std::string>> edits = {
      {"channel=stable", "channel=stablf"},
      {"version=0.2.0", "version=0.3.0"},
      {"_amd64.deb", "_arm64.deb"},
      {"size=3000", "size=3001"},
      {"sha256=", "sha256=0"},
      {"minimum_version=0.1.0", "minimum_version=0.0.0"},
      {"not_before=2026-12-04", "not_before=2026-12-03"},
      {"expires=2026-12-11", "expires=2027-12-11"},
      {"rollback=no", "rollback=yes"},
  };
  for (const auto& [from, to] : edits) {
    std::string file = good;
    const auto at = file.find(from);
    ASSERT_LT(at, message_size) << from;
    file.replace(at, from.size(), to);
    if (from == "sha256=") file.erase(at + to.size() + 63, 1);  // keep 64 digits
    expect_refused(verify(file), errc::signature_invalid);
  }
}

TEST_F(ReleaseVerify, NothingButTheSignaturesIsCheckedBeforeTheyVerify) {
  // Another channel, expired, a downgrade, and too old: still a signature refusal.
  Manifest m = m_;
  m.channel = "beta";
  m.version = {0, 0, 1};
  m.minimum_version = {0, 0, 1};
  m.expires = m.not_before + hours{1};
  expect_refused(verify(signed_file(m, *other_), {0, 0, 0}), errc::signature_invalid);
}

TEST_F(ReleaseVerify, AnotherChannelIsRefused) {
  expect_refused(verify(signed_file(m_), kRunning, "beta"), errc::wrong_channel);
  m_.channel = "beta";
  expect_refused(verify(signed_file(m_)), errc::wrong_channel);
  EXPECT_TRUE(verify(signed_file(m_), kRunning, "beta"));
}

TEST_F(ReleaseVerify, ValidFromNotBeforeUntilJustBeforeExpiry) {
  const auto file = signed_file(m_);
  expect_refused(verify(file, kRunning, "stable", m_.not_before - seconds{1}), errc::not_yet_valid);
  EXPECT_TRUE(verify(file, kRunning, "stable", m_.not_before));
  EXPECT_TRUE(verify(file, kRunning, "stable", m_.expires - milliseconds{1}));
  expect_refused(verify(file, kRunning, "stable", m_.expires), errc::expired);
  expect_refused(verify(file, kRunning, "stable", m_.expires + days{365}), errc::expired);
}

TEST_F(ReleaseVerify, TheRunningVersionOrAnOlderOneIsADowngrade) {
  const auto file = signed_file(m_);  // 0.2.0
  expect_refused(verify(file, {0, 2, 0}), errc::downgrade);
  expect_refused(verify(file, {0, 2, 1}), errc::downgrade);
  expect_refused(verify(file, {0, 10, 0}), errc::downgrade);
  expect_refused(verify(file, {1, 0, 0}), errc::downgrade);
  EXPECT_TRUE(verify(file, {0, 1, 999999}));
}

TEST_F(ReleaseVerify, ASignedRollbackBelowTheRunningVersionIsAccepted) {
  m_.rollback = true;
  const auto file = signed_file(m_);  // 0.2.0, rollback=yes
  auto r = verify(file, {0, 3, 0});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->rollback);
  EXPECT_TRUE(verify(file, {0, 2, 1}));
}

TEST_F(ReleaseVerify, ARollbackIsNeverAnUpgradeNorAReinstall) {
  m_.rollback = true;
  const auto file = signed_file(m_);  // 0.2.0, rollback=yes
  expect_refused(verify(file, {0, 2, 0}), errc::downgrade);
  expect_refused(verify(file, {0, 1, 0}), errc::downgrade);
}

TEST_F(ReleaseVerify, ARunningVersionBelowTheMinimumIsTooOldToUpdate) {
  m_.minimum_version = {0, 1, 5};
  const auto file = signed_file(m_);
  expect_refused(verify(file, {0, 1, 4}), errc::too_old_to_update);
  expect_refused(verify(file, {0, 0, 9}), errc::too_old_to_update);
  EXPECT_TRUE(verify(file, {0, 1, 5}));
  // A rollback's minimum holds too.
  m_.rollback = true;
  m_.minimum_version = {0, 2, 0};
  m_.version = {0, 2, 0};
  EXPECT_TRUE(verify(signed_file(m_), {0, 3, 0}));
}

TEST_F(ReleaseVerify, ChecksRunInTheDocumentedOrder) {
  // Wrong channel and not yet valid: the channel first.
  expect_refused(verify(signed_file(m_), kRunning, "beta", m_.not_before - hours{1}),
                 errc::wrong_channel);
  // Expired and a downgrade: the expiry first.
  expect_refused(verify(signed_file(m_), {0, 3, 0}, "stable", m_.expires), errc::expired);
  // A downgrade whose minimum the agent is also below: the downgrade first.
  m_.minimum_version = {0, 4, 0};
  expect_refused(verify(signed_file(m_), {0, 3, 0}), errc::downgrade);
}

}  // namespace
}  // namespace pqbranch::update
