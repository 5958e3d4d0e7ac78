#include "pqbranch/update/updater_files.hpp"

#include <filesystem>
#include <string>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "pqbranch/core/atomic_file.hpp"
#include "pqbranch/update/errc.hpp"

namespace pqbranch::update {
namespace {

const std::string kFileSha(64, 'a');

class UpdaterFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pqb-updater-files-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(UpdaterFiles, RequestHasTheThreeLinesTheUpdaterReadsAndIsPrivate) {
  const InstallRequest r{"0.2.0", dir_ / "pqbranch-agent_0.2.0_amd64.deb", kFileSha};
  ASSERT_TRUE(write_install_request(dir_, r));
  auto bytes = core::read_small_file(dir_ / "request", 4096);
  ASSERT_TRUE(bytes && *bytes);
  EXPECT_EQ(**bytes,
            "version=0.2.0\npackage=" + (dir_ / "pqbranch-agent_0.2.0_amd64.deb").string() +
                "\nsha256=" + kFileSha + "\n");
  struct stat st{};
  ASSERT_EQ(::stat((dir_ / "request").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
}

TEST_F(UpdaterFiles, RequestsTheUpdaterWouldRefuseAreNotWritten) {
  const auto pkg = dir_ / "p.deb";
  for (const InstallRequest& bad : {
           InstallRequest{"", pkg, kFileSha},
           InstallRequest{"v1", pkg, kFileSha},                   // must start with a digit
           InstallRequest{"1.0\nsha256=00", pkg, kFileSha},       // a line of its own
           InstallRequest{"0.2.0", "/etc/passwd.deb", kFileSha},  // outside the directory
           InstallRequest{"0.2.0", dir_ / "../x.deb", kFileSha},  // climbs out
           InstallRequest{"0.2.0", dir_ / "p.tar", kFileSha},     // not a .deb
           InstallRequest{"0.2.0", dir_ / "a b.deb", kFileSha},   // a space
           InstallRequest{"0.2.0", pkg, std::string(64, 'A')},    // upper case
           InstallRequest{"0.2.0", pkg, std::string(63, 'a')},
       }) {
    auto w = write_install_request(dir_, bad);
    ASSERT_FALSE(w) << bad.version << " " << bad.package;
    EXPECT_EQ(w.error(), errc::bad_install_request);
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "request"));
}

TEST_F(UpdaterFiles, ResultOfEachEndingParses) {
  auto done =
      parse_updater_result("step=done\nversion=0.2.0\nfailed_version=\nresult=installed 0.2.0\n");
  ASSERT_TRUE(done) << done.error().message();
  EXPECT_EQ(done->step, UpdaterStep::done);
  EXPECT_EQ(done->version, "0.2.0");
  EXPECT_FALSE(done->failed_version);
  EXPECT_EQ(done->detail, "installed 0.2.0");

  auto back = parse_updater_result(
      "step=rolled-back\nversion=0.3.0\nfailed_version=0.3.0\nresult=rolled back to 0.2.0\n");
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->step, UpdaterStep::rolled_back);
  EXPECT_EQ(back->failed_version, "0.3.0");

  auto refused = parse_updater_result("step=refused\nversion=\nfailed_version=\nresult=bad hash\n");
  ASSERT_TRUE(refused) << refused.error().message();
  EXPECT_EQ(refused->step, UpdaterStep::refused);
  EXPECT_EQ(to_string(refused->step), "refused");
}

TEST_F(UpdaterFiles, MalformedResultsAreRefused) {
  for (const char* bad : {
           "",
           "step=done\nversion=0.2.0\nfailed_version=\n",                     // a line short
           "step=done\nversion=0.2.0\nfailed_version=\nresult=x\nextra=1\n",  // one too many
           "version=0.2.0\nstep=done\nfailed_version=\nresult=x\n",           // order
           "step=installing\nversion=0.2.0\nfailed_version=\nresult=x\n",     // not an ending
           "step=done\nversion=\nfailed_version=\nresult=x\n",                // no version
           "step=done\nversion=0.2.0\nfailed_version=0.2.0\nresult=x\n",      // not rolled back
           "step=rolled-back\nversion=0.3.0\nfailed_version=\nresult=x\n",    // which failed?
           "step=done\nversion=0.2.0\nfailed_version=\nresult=a\x1b[2Jb\n",   // control bytes
           "step=done\nversion=0.2.0\nfailed_version=\nresult=x",             // no final LF
       }) {
    auto r = parse_updater_result(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), errc::malformed_updater_result);
  }
  EXPECT_FALSE(parse_updater_result(
      "step=done\nversion=0.2.0\nfailed_version=\nresult=" + std::string(1025, 'x') + "\n"));
}

TEST_F(UpdaterFiles, NoResultFileIsNoResult) {
  auto r = read_updater_result(dir_);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(*r);
}

}  // namespace
}  // namespace pqbranch::update
