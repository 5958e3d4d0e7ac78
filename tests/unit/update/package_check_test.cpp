#include "pqbranch/update/package_check.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "pqbranch/update/errc.hpp"

#include "fakes/release_samples.hpp"
#include "fakes/temp_dir.hpp"

namespace pqbranch::update {
namespace {

class PackageFile : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::vector<std::uint8_t>& bytes) {
    const auto file = dir_.path() / "pqbranch-agent_0.2.0_amd64.deb";
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),  // NOLINT
              static_cast<std::streamsize>(bytes.size()));
    return file;
  }
  void expect_refused(const std::vector<std::uint8_t>& bytes, errc want) {
    auto r = check_package(write(bytes), m_);
    ASSERT_FALSE(r) << "accepted; wanted " << describe(want);
    EXPECT_EQ(r.error(), want) << r.error().message();
  }

  test::TempDir dir_;
  Manifest m_ = test::sample_manifest();
  std::vector<std::uint8_t> package_ = test::sample_package();
};

TEST_F(PackageFile, ThePackageTheManifestDescribesPasses) {
  auto r = check_package(write(package_), m_);
  EXPECT_TRUE(r) << r.error().message();
}

TEST_F(PackageFile, OneChangedByteIsAHashMismatch) {
  for (const std::size_t at : {std::size_t{0}, package_.size() / 2, package_.size() - 1}) {
    auto bad = package_;
    bad[at] ^= 0x01U;
    expect_refused(bad, errc::hash_mismatch);
  }
}

TEST_F(PackageFile, AShorterFileIsTruncated) {
  expect_refused({package_.begin(), package_.end() - 1}, errc::package_truncated);
  expect_refused({}, errc::package_truncated);
}

TEST_F(PackageFile, ALongerFileIsTooLarge) {
  auto longer = package_;
  longer.push_back(0);
  expect_refused(longer, errc::package_too_large);
}

TEST_F(PackageFile, AMissingFileOrADirectoryIsAFileError) {
  auto missing = check_package(dir_.path() / "absent.deb", m_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code.category(), boost::system::system_category());
  EXPECT_NE(missing.error().detail.find("absent.deb"), std::string::npos);
  EXPECT_FALSE(check_package(dir_.path(), m_));
}

TEST_F(PackageFile, ASymbolicLinkIsNotFollowed) {
  const auto real = write(package_);
  const auto link = dir_.path() / "link.deb";
  std::filesystem::create_symlink(real, link);
  EXPECT_FALSE(check_package(link, m_));
}

TEST_F(PackageFile, DigestGivesTheSizeAndSha256TheManifestCarries) {
  auto d = digest_package(write(package_));
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->size, m_.size);
  EXPECT_EQ(d->sha256, m_.sha256);
}

TEST(PackageCheck, StreamingRefusesTheFirstByteTooManyAndChecksAtTheEnd) {
  const Manifest m = test::sample_manifest();
  const auto package = test::sample_package();
  const std::span all(package);

  auto whole = PackageCheck::create(m).value();
  for (std::size_t at = 0; at < all.size(); at += 1000) {
    ASSERT_TRUE(whole.update(all.subspan(at, std::min<std::size_t>(1000, all.size() - at))));
  }
  EXPECT_EQ(whole.received(), package.size());
  EXPECT_TRUE(whole.finish());

  auto over = PackageCheck::create(m).value();
  ASSERT_TRUE(over.update(all));
  const std::uint8_t extra = 0;
  EXPECT_EQ(over.update({&extra, 1}).error(), errc::package_too_large);

  auto half = PackageCheck::create(m).value();
  ASSERT_TRUE(half.update(all.first(all.size() / 2)));
  EXPECT_EQ(half.finish().error(), errc::package_truncated);

  auto finished = PackageCheck::create(m).value();
  ASSERT_TRUE(finished.update(all));
  ASSERT_TRUE(finished.finish());
  EXPECT_FALSE(finished.finish());  // a check ends once
}

}  // namespace
}  // namespace pqbranch::update
