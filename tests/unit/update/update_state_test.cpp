#include "pqbranch/update/update_state.hpp"

#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "pqbranch/core/atomic_file.hpp"
#include "pqbranch/update/errc.hpp"

#include "update_test_util.hpp"

namespace pqbranch::update {
namespace {

using namespace testing;

const std::string kStateSha(64, 'a');

UpdateState full_state() {
  UpdateState s;
  s.paused = true;
  s.pinned = "0.3.0";
  s.failed_versions = {"0.1.5", "0.2.0~rc1"};
  s.staged = ReleaseCandidate{"0.3.0", "pqbranch-agent_0.3.0_amd64.deb", 123456, kStateSha,
                              TimePoint(std::chrono::seconds(1796000000))};
  s.requested = OutstandingRequest{"0.3.0", "pqbranch-agent_0.3.0_amd64.deb", kStateSha,
                                   TimePoint(std::chrono::seconds(1795000000))};
  s.report = PendingReport{"0.2.0~rc1", ReportOutcome::rolled_back, 3,
                           "rolled back to 0.1.5 (agent not ready)"};
  return s;
}

TEST(UpdateState, EveryFieldSurvivesEncodeAndDecode) {
  const UpdateState s = full_state();
  auto back = decode_update_state(encode(s));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, s);
}

TEST(UpdateState, AnEmptyStateIsSevenLines) {
  EXPECT_EQ(encode(UpdateState{}), "format=1\npaused=no\npinned=\nstaged=\nrequested=\nreport=\n");
  auto back = decode_update_state(encode(UpdateState{}));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, UpdateState{});
}

TEST(UpdateState, StrictDecodingRefusesEverythingElse) {
  const std::string good = encode(full_state());
  const auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  const std::vector<std::pair<const char*, std::string>> cases{
      {"empty", ""},
      {"another format", replace("format=1", "format=2")},
      {"unknown key", replace("paused=yes\n", "paused=yes\ncolour=blue\n")},
      {"missing line", replace("pinned=0.3.0\n", "")},
      {"repeated line", replace("pinned=0.3.0\n", "pinned=0.3.0\npinned=0.3.0\n")},
      {"lines out of order", replace("paused=yes\npinned=0.3.0\n", "pinned=0.3.0\npaused=yes\n")},
      {"bad boolean", replace("paused=yes", "paused=1")},
      {"bad version", replace("failed=0.1.5", "failed=v0.1.5")},
      {"failed twice", replace("failed=0.2.0~rc1", "failed=0.1.5")},
      {"path in package", replace("pqbranch-agent_0.3.0_amd64.deb 123456",
                                  "../pqbranch-agent_0.3.0_amd64.deb 123456")},
      {"size zero", replace(" 123456 ", " 0 ")},
      {"size with a sign", replace(" 123456 ", " +123456 ")},
      {"uppercase hash",
       replace("staged=0.3.0 pqbranch-agent_0.3.0_amd64.deb 123456 " + kStateSha,
               "staged=0.3.0 pqbranch-agent_0.3.0_amd64.deb 123456 " + std::string(64, 'A'))},
      {"extra field", replace(" 1796000000\n", " 1796000000 7\n")},
      // Beyond what a time point holds (nanoseconds in 64 bits): it would overflow.
      {"time past 2262", replace(" 1796000000\n", " 29999999999\n")},
      {"unknown outcome", replace(" rolled-back ", " exploded ")},
      {"control byte", replace("(agent not ready)", "(agent\x01not ready)")},
      {"not terminated", good.substr(0, good.size() - 1)},
      {"trailing data", good + "x=1\n"},
  };
  for (const auto& [name, text] : cases) {
    SCOPED_TRACE(name);
    auto r = decode_update_state(text);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::bad_update_state);
  }
}

TEST(UpdateState, MoreThan32FailedVersionsAreRefused) {
  UpdateState s;
  for (int i = 0; i < 33; ++i)
    s.failed_versions.push_back("0.0." + std::to_string(i));
  auto r = decode_update_state(encode(s));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::bad_update_state);
  s.failed_versions.pop_back();
  EXPECT_TRUE(decode_update_state(encode(s)));
}

TEST(UpdateState, TheFullestStateFitsTheBound) {
  UpdateState s = full_state();
  s.failed_versions.clear();
  for (int i = 0; i < 32; ++i)
    s.failed_versions.push_back(std::to_string(i) + "." + std::string(60, '9'));
  s.report->detail = std::string(1024, 'd');
  EXPECT_TRUE(decode_update_state(encode(s)));
  EXPECT_FALSE(decode_update_state(std::string(8193, 'x')));
}

class UpdateStateFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pqb-update-state-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(UpdateStateFile, SavedStateIsPrivateAndLoadsBack) {
  ASSERT_TRUE(save_update_state(dir_, full_state()));
  struct stat st{};
  ASSERT_EQ(::stat((dir_ / kAgentStateFile).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  auto loaded = load_update_state(dir_);
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ(**loaded, full_state());
}

TEST_F(UpdateStateFile, NoFileIsNoState) {
  auto loaded = load_update_state(dir_);
  ASSERT_TRUE(loaded);
  EXPECT_FALSE(*loaded);
}

TEST_F(UpdateStateFile, CorruptFileIsAnErrorNamingTheFile) {
  ASSERT_TRUE(core::write_file_atomically(dir_ / kAgentStateFile, "format=1\ngarbage\n"));
  auto loaded = load_update_state(dir_);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error(), errc::bad_update_state);
  EXPECT_NE(loaded.error().message().find(kAgentStateFile), std::string::npos);
}

}  // namespace
}  // namespace pqbranch::update
