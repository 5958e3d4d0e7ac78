#include <fstream>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/keys.hpp"
#include "pqbranch/crypto/signature.hpp"

#include "fakes/temp_dir.hpp"

namespace pqbranch::crypto {
namespace {

TEST(PublicKeyFile, WrittenReadableByAllAndLoadsBackAsTheSameKey) {
  const test::TempDir dir;
  const auto file = dir.path() / "k.pub";
  for (const auto alg : {SignatureAlgorithm::ml_dsa_65, SignatureAlgorithm::ed25519}) {
    std::filesystem::remove(file);
    auto key = generate_signing_key(alg).value();
    ASSERT_TRUE(write_public_key(key.public_key().value(), file));
    struct stat st{};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644U);
    auto loaded = load_public_key(file);
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(signature_algorithm_of(*loaded).value(), alg);
    const std::vector<std::uint8_t> msg{1, 2, 3};
    EXPECT_TRUE(verify(*loaded, msg, sign(key, msg).value()));
    // Never overwritten.
    EXPECT_EQ(write_public_key(key.public_key().value(), file).error(), errc::file_unreadable);
  }
}

TEST(PublicKeyFile, APrivateKeyOrGarbageIsNotAPublicKey) {
  const test::TempDir dir;
  auto key = generate_signing_key(SignatureAlgorithm::ed25519).value();
  ASSERT_TRUE(write_private_key(key, dir.path() / "k.key"));
  EXPECT_EQ(load_public_key(dir.path() / "k.key").error(), errc::bad_key);
  std::ofstream(dir.path() / "junk.pub") << "-----BEGIN PUBLIC KEY-----\nAAAA\n";
  EXPECT_EQ(load_public_key(dir.path() / "junk.pub").error(), errc::bad_key);
  EXPECT_EQ(load_public_key(dir.path() / "absent.pub").error(), errc::file_unreadable);
}

}  // namespace
}  // namespace pqbranch::crypto
