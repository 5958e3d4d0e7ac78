#include "pqbranch/crypto/keys.hpp"

#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/signature.hpp"

#include "fakes/test_pki.hpp"

namespace pqbranch::crypto {
namespace {

namespace fs = std::filesystem;

class KeyFiles : public ::testing::Test {
 protected:
  test::TestPki pki = test::TestPki::create(test::PkiAlgorithm::ecdsa_p256).value();
  fs::path key_file = pki.dir() / "k.key";
};

TEST_F(KeyFiles, WrittenKeyIs0600AndLoadsBack) {
  auto key = generate_signing_key(SignatureAlgorithm::ml_dsa_65).value();
  ASSERT_TRUE(write_private_key(key, key_file));
  struct stat st{};
  ASSERT_EQ(::stat(key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600U);
  auto loaded = load_private_key(key_file);
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_EQ(loaded->type_name(), "ML-DSA-65");
  // Same key: a signature by the loaded key verifies under the original's public key.
  const std::vector<std::uint8_t> msg{1, 2, 3};
  EXPECT_TRUE(verify(key.public_key().value(), msg, sign(*loaded, msg).value()));
}

TEST_F(KeyFiles, ExistingFileIsNeverOverwritten) {
  auto key = generate_signing_key(SignatureAlgorithm::ed25519).value();
  ASSERT_TRUE(write_private_key(key, key_file));
  auto again = write_private_key(key, key_file);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().detail.find(key_file.string()), std::string::npos);
}

TEST_F(KeyFiles, GroupOrWorldAccessIsRefusedNamingTheFile) {
  auto key = generate_signing_key(SignatureAlgorithm::ed25519).value();
  ASSERT_TRUE(write_private_key(key, key_file));
  for (const auto mode : {0640, 0604, 0660, 0644, 0610}) {
    fs::permissions(key_file, static_cast<fs::perms>(mode));
    auto r = load_private_key(key_file);
    ASSERT_FALSE(r) << std::oct << mode;
    EXPECT_EQ(r.error(), errc::key_file_permissions);
    EXPECT_NE(r.error().detail.find(key_file.string()), std::string::npos);
    EXPECT_EQ(check_key_file_permissions(key_file).error(), errc::key_file_permissions);
  }
  fs::permissions(key_file, static_cast<fs::perms>(0400));
  EXPECT_TRUE(load_private_key(key_file));
  EXPECT_TRUE(check_key_file_permissions(key_file));
}

TEST_F(KeyFiles, MissingOrGarbageFileIsAClearError) {
  auto missing = load_private_key(pki.dir() / "absent.key");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), errc::file_unreadable);
  EXPECT_NE(missing.error().message().find("absent.key"), std::string::npos);
  EXPECT_NE(missing.error().message().find("No such file"), std::string::npos);

  {
    std::ofstream out(key_file);
    out << "not a key\n";
  }
  fs::permissions(key_file, static_cast<fs::perms>(0600));
  auto garbage = load_private_key(key_file);
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error(), errc::bad_key);
  EXPECT_NE(garbage.error().detail.find(key_file.string()), std::string::npos);
  EXPECT_EQ(load_private_key(pki.dir()).error(), errc::file_unreadable);  // a directory
}

TEST(TestPki, WritesCaAndLeavesAndRemovesThemAfterwards) {
  fs::path dir;
  {
    auto pki = test::TestPki::create(test::PkiAlgorithm::ml_dsa_65);
    ASSERT_TRUE(pki) << pki.error().message();
    dir = pki->dir();
    auto leaf = pki->issue("site-17", test::CertRole::client);
    ASSERT_TRUE(leaf) << leaf.error().message();
    EXPECT_TRUE(fs::exists(pki->ca_file()));
    EXPECT_TRUE(fs::exists(leaf->certificate));
    EXPECT_TRUE(check_key_file_permissions(leaf->private_key));
    EXPECT_EQ(load_private_key(leaf->private_key).value().type_name(), "ML-DSA-65");
  }
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace pqbranch::crypto
