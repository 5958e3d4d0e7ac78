#include "pqbranch/update/release_tool.hpp"

#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "pqbranch/core/atomic_file.hpp"
#include "pqbranch/crypto/error.hpp"
#include "pqbranch/update/errc.hpp"
#include "pqbranch/update/package_check.hpp"
#include "pqbranch/update/release_keys.hpp"
#include "pqbranch/update/release_verify.hpp"

#include "fakes/release_samples.hpp"
#include "fakes/temp_dir.hpp"

namespace pqbranch::update {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;
using test::kSampleNow;

unsigned mode_of(const fs::path& p) {
  struct stat st{};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777U;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ReleaseTool : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(generate_release_keys(keys_));
    const auto bytes = test::sample_package();
    ASSERT_TRUE(
        core::write_file_atomically(package_, std::string(bytes.begin(), bytes.end()), 0644));
  }
  [[nodiscard]] SignRequest request() const {
    return {.keys = keys_,
            .channel = "stable",
            .package = package_,
            .version = "0.2.0",
            .minimum_version = "0.1.0",
            .valid_for = "7d",
            .not_before = "2026-12-04T00:00:00Z",
            .rollback = false,
            .out = out_};
  }
  static void expect_bad_option(const SignRequest& r, std::string_view option) {
    auto m = sign_release(r, kSampleNow);
    ASSERT_FALSE(m) << option;
    EXPECT_EQ(m.error(), errc::malformed_manifest);
    EXPECT_NE(m.error().detail.find(option), std::string::npos) << m.error().detail;
  }

  test::TempDir dir_;
  fs::path keys_ = dir_.path() / "keys";
  fs::path package_ = dir_.path() / "pqbranch-agent_0.2.0_amd64.deb";
  fs::path out_ = dir_.path() / "manifest";
};

TEST_F(ReleaseTool, KeygenWritesTwoKeyPairsWithPrivateKeysOwnerOnly) {
  EXPECT_EQ(mode_of(keys_), 0700U);
  EXPECT_EQ(mode_of(keys_ / kMlDsaKeyFile), 0600U);
  EXPECT_EQ(mode_of(keys_ / kEd25519KeyFile), 0600U);
  EXPECT_EQ(mode_of(keys_ / kMlDsaPublicFile), 0644U);
  EXPECT_EQ(mode_of(keys_ / kEd25519PublicFile), 0644U);
  EXPECT_TRUE(load_release_keys(keys_));
  EXPECT_TRUE(load_release_signing_keys(keys_));
}

TEST_F(ReleaseTool, KeygenNeverOverwritesAnyKeyFile) {
  const std::string before = read(keys_ / kEd25519KeyFile);
  auto again = generate_release_keys(keys_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code.value(), EEXIST);
  EXPECT_EQ(read(keys_ / kEd25519KeyFile), before);
  // One file of the four is enough to refuse, and nothing else is written.
  const fs::path partial = dir_.path() / "partial";
  fs::create_directory(partial);
  std::ofstream(partial / kEd25519PublicFile) << "x";
  EXPECT_FALSE(generate_release_keys(partial));
  EXPECT_FALSE(fs::exists(partial / kMlDsaKeyFile));
}

TEST_F(ReleaseTool, PinnedKeysOfTheWrongAlgorithmAreRefused) {
  auto swapped = load_release_keys(keys_ / kEd25519PublicFile, keys_ / kMlDsaPublicFile);
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error(), crypto::errc::bad_key);
  EXPECT_NE(swapped.error().detail.find("expected ML-DSA-65"), std::string::npos)
      << swapped.error().detail;
  EXPECT_EQ(load_release_keys(keys_ / "absent.pub", keys_ / kEd25519PublicFile).error(),
            crypto::errc::file_unreadable);
}

TEST_F(ReleaseTool, SignThenVerifyRoundTripsAndAnAgentAcceptsIt) {
  auto signed_m = sign_release(request(), kSampleNow);
  ASSERT_TRUE(signed_m) << signed_m.error().message();
  EXPECT_EQ(*signed_m, test::sample_manifest());
  EXPECT_EQ(mode_of(out_), 0644U);

  auto verified =
      verify_release_file({.keys = keys_, .manifest = out_, .package = package_}, kSampleNow);
  ASSERT_TRUE(verified) << verified.error().message();
  EXPECT_EQ(*verified, *signed_m);

  // The agent's view: the pinned public keys only.
  auto parsed = parse_signed_manifest(read(out_));
  ASSERT_TRUE(parsed);
  auto agent =
      verify_release(*parsed, load_release_keys(keys_).value(), {0, 1, 0}, "stable", kSampleNow);
  ASSERT_TRUE(agent) << agent.error().message();
  EXPECT_TRUE(check_package(package_, *agent));
}

TEST_F(ReleaseTool, NotBeforeDefaultsToNowAndRollbackIsCarried) {
  auto r = request();
  r.not_before.reset();
  r.rollback = true;
  r.valid_for = "36h";
  auto m = sign_release(r, kSampleNow + milliseconds{400});
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->not_before, floor<seconds>(kSampleNow));
  EXPECT_EQ(m->expires, m->not_before + hours{36});
  EXPECT_TRUE(m->rollback);
}

TEST_F(ReleaseTool, VerifyRefusesATamperedManifestAnotherKeyAndAnExpiredOne) {
  ASSERT_TRUE(sign_release(request(), kSampleNow));
  std::string text = read(out_);
  text.replace(text.find("version=0.2.0"), 13, "version=0.9.0");
  ASSERT_TRUE(core::write_file_atomically(out_, text));
  EXPECT_EQ(
      verify_release_file({.keys = keys_, .manifest = out_, .package = {}}, kSampleNow).error(),
      errc::signature_invalid);

  ASSERT_TRUE(sign_release(request(), kSampleNow));
  const fs::path other = dir_.path() / "other";
  ASSERT_TRUE(generate_release_keys(other));
  EXPECT_EQ(
      verify_release_file({.keys = other, .manifest = out_, .package = {}}, kSampleNow).error(),
      errc::signature_invalid);
  EXPECT_EQ(
      verify_release_file({.keys = keys_, .manifest = out_, .package = {}}, kSampleNow + days{7})
          .error(),
      errc::expired);
}

TEST_F(ReleaseTool, VerifyChecksTheGivenPackage) {
  ASSERT_TRUE(sign_release(request(), kSampleNow));
  auto bytes = test::sample_package();
  bytes[10] ^= 1U;
  const fs::path changed = dir_.path() / "changed.deb";
  ASSERT_TRUE(core::write_file_atomically(changed, std::string(bytes.begin(), bytes.end())));
  EXPECT_EQ(verify_release_file({.keys = keys_, .manifest = out_, .package = changed}, kSampleNow)
                .error(),
            errc::hash_mismatch);
}

TEST_F(ReleaseTool, SignRefusesWhatAManifestCannotCarryNamingTheOption) {
  auto r = request();
  r.version = "0.2";
  expect_bad_option(r, "--version");
  r = request();
  r.minimum_version = "0.3.0";
  expect_bad_option(r, "--minimum-version");
  r = request();
  r.channel = "Stable";
  expect_bad_option(r, "--channel");
  r = request();
  r.valid_for = "7w";
  expect_bad_option(r, "--valid-for");
  r = request();
  r.not_before = "2026-12-04";
  expect_bad_option(r, "--not-before");
  r = request();
  r.not_before = "2026-11-01T00:00:00Z";  // + 7 days is before now
  expect_bad_option(r, "--valid-for");
  r = request();
  const fs::path odd = dir_.path() / "Agent.DEB";
  fs::copy_file(package_, odd);
  r.package = odd;
  expect_bad_option(r, "--package");
  EXPECT_FALSE(fs::exists(out_));
}

TEST_F(ReleaseTool, SignNeedsThePrivateKeysAtOwnerOnlyPermissions) {
  fs::permissions(keys_ / kMlDsaKeyFile, static_cast<fs::perms>(0640));
  auto m = sign_release(request(), kSampleNow);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), crypto::errc::key_file_permissions);
}

TEST(Duration, AcceptsSecondsMinutesHoursAndDaysUpToAYear) {
  EXPECT_EQ(parse_duration("1s"), seconds{1});
  EXPECT_EQ(parse_duration("90m"), minutes{90});
  EXPECT_EQ(parse_duration("36h"), hours{36});
  EXPECT_EQ(parse_duration("366d"), days{366});
  for (const auto* bad :
       {"", "d", "0d", "07d", "367d", "7", "7w", "-1d", "1.5h", "7 d", "99999999d"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

}  // namespace
}  // namespace pqbranch::update
