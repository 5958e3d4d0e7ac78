// The temporary file of an atomic write is always a new file: a file, hard link or symlink
// someone put at its name first is never opened, truncated or written through.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pqbranch/core/atomic_file.hpp"

#include "fakes/temp_dir.hpp"

namespace pqbranch::core {
namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

mode_t file_mode(const std::filesystem::path& p) {
  struct stat st{};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

// The name write_file_atomically tries first for `target`: `.<name>.tmp.<pid>`.
std::filesystem::path first_temporary(const std::filesystem::path& target) {
  return target.parent_path() / fmt::format(".{}.tmp.{}", target.filename().string(), ::getpid());
}

class AtomicFileTemporary : public ::testing::Test {
 protected:
  void SetUp() override {
    victim_ = dir_.path() / "victim";
    std::ofstream(victim_) << "precious";
    ASSERT_EQ(::chmod(victim_.c_str(), 0644), 0);
    target_ = dir_.path() / "state.json";
  }
  void expect_victim_untouched() {
    EXPECT_EQ(read_all(victim_), "precious");
    EXPECT_EQ(file_mode(victim_), 0644U);
  }
  void expect_target_written() {
    EXPECT_EQ(read_all(target_), "new state");
    EXPECT_EQ(file_mode(target_), 0600U);
  }

  test::TempDir dir_;
  std::filesystem::path victim_;
  std::filesystem::path target_;
};

TEST_F(AtomicFileTemporary, AHardLinkPlantedAtTheTemporaryNameIsNeitherTruncatedNorWritten) {
  std::filesystem::create_hard_link(victim_, first_temporary(target_));
  const auto r = write_file_atomically(target_, "new state", 0600);
  ASSERT_TRUE(r) << r.error().message();
  expect_victim_untouched();
  expect_target_written();
}

TEST_F(AtomicFileTemporary, ASymlinkPlantedAtTheTemporaryNameIsNotFollowed) {
  std::filesystem::create_symlink(victim_, first_temporary(target_));
  const auto r = write_file_atomically(target_, "new state", 0600);
  ASSERT_TRUE(r) << r.error().message();
  expect_victim_untouched();
  expect_target_written();
}

TEST_F(AtomicFileTemporary, ALeftoverOfACrashedWriteDoesNotStopTheNextOne) {
  std::ofstream(first_temporary(target_)) << "half";
  ASSERT_TRUE(write_file_atomically(target_, "new state", 0600));
  expect_target_written();
  ASSERT_TRUE(write_file_atomically(target_, "newer", 0600));
  EXPECT_EQ(read_all(target_), "newer");
}

}  // namespace
}  // namespace pqbranch::core
