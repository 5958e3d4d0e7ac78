// The state directory both programs keep their state in: created private, and refused at
// start when another local user could have tampered with it.

#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "pqbranch/app/program_loop.hpp"

#include "fakes/temp_dir.hpp"

namespace pqbranch::app {
namespace {

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st{};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST(StateDirectory, AMissingDirectoryIsCreatedPrivate) {
  const test::TempDir tmp;
  const auto dir = tmp.path() / "var" / "pqbranch";
  const auto r = prepare_state_directory(dir);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(mode_of(dir), 0700U);
}

TEST(StateDirectory, OneOfOursThatOthersMayOnlyReadIsMadePrivate) {
  const test::TempDir tmp;
  const auto dir = tmp.path() / "state";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  const auto r = prepare_state_directory(dir);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(mode_of(dir), 0700U);
}

TEST(StateDirectory, AGroupOrWorldWritableDirectoryIsRefusedAndLeftAsItIs) {
  for (const mode_t mode : {0777U, 0770U, 0703U}) {
    const test::TempDir tmp;
    const auto dir = tmp.path() / "state";
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
    ASSERT_EQ(::chmod(dir.c_str(), mode), 0);
    const auto r = prepare_state_directory(dir);
    ASSERT_FALSE(r) << std::oct << mode;
    EXPECT_NE(r.error().message().find("writable by its group or others"), std::string::npos)
        << r.error().message();
    EXPECT_NE(r.error().message().find(dir.string()), std::string::npos);
    // Not quietly repaired: files someone else may have put there are not trusted.
    EXPECT_EQ(mode_of(dir), mode);
  }
}

TEST(StateDirectory, ADirectoryOwnedBySomeoneElseIsRefused) {
  const test::TempDir tmp;
  const auto dir = tmp.path() / "state";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  const uid_t other = ::geteuid() + 1;
  const auto r = prepare_state_directory(dir, other);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("is owned by uid " + std::to_string(::geteuid())),
            std::string::npos)
      << r.error().message();
}

TEST(StateDirectory, ASymbolicLinkIsRefusedNotFollowed) {
  const test::TempDir tmp;
  const auto target = tmp.path() / "elsewhere";
  ASSERT_EQ(::mkdir(target.c_str(), 0700), 0);
  const auto dir = tmp.path() / "state";
  std::filesystem::create_directory_symlink(target, dir);
  const auto r = prepare_state_directory(dir);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("not a directory"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace pqbranch::app
