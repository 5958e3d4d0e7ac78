// The agent's request and the root updater (packaging/pqbranch-update) agree on the format:
// the updater takes a request written by write_install_request, and the result it then
// publishes parses with parse_updater_result. The request names a file that is no Debian
// package, so the updater refuses it only after reading every line and checking the hash:
// it gets no further than dpkg-deb, and nothing is installed. (The whole updater, with
// dpkg and systemd, is tested in the VM: tests/vm/guest/package_update_steps.sh.)

#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "pqbranch/core/atomic_file.hpp"
#include "pqbranch/update/updater_files.hpp"

#include "fakes/child_process.hpp"
#include "fakes/test_paths.hpp"

namespace pqbranch::update {
namespace {

int run_updater(const std::filesystem::path& agent_dir, const std::filesystem::path& root_dir,
                const std::filesystem::path& log) {
  const pid_t pid = test::spawn({"/usr/bin/env", "PQB_UPDATE_DIR=" + agent_dir.string(),
                                 "PQB_UPDATE_STATE_DIR=" + root_dir.string(),
                                 (test::source_dir() / "packaging/pqbranch-update").string()},
                                log);
  if (pid < 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(UpdaterScript, TakesTheAgentsRequestAndPublishesAResultTheAgentParses) {
  const auto top =
      std::filesystem::temp_directory_path() / ("pqb-updater-script-" + std::to_string(::getpid()));
  std::filesystem::remove_all(top);
  const auto agent_dir = top / "agent";
  const auto root_dir = top / "root";
  std::filesystem::create_directories(agent_dir);
  std::filesystem::create_directories(root_dir);
  const auto package = agent_dir / "pqbranch-agent_0.2.0_amd64.deb";
  {
    std::ofstream(package) << "not a Debian package\n";
  }
  // SHA-256 of the file above (sha256sum), so the updater's hash check passes.
  const std::string sha = "def9fd984d4c8311a4457d7c012120e2135162de324d5caa12fb152dac9657dd";
  ASSERT_TRUE(write_install_request(agent_dir, {"0.2.0", package, sha}));

  EXPECT_EQ(run_updater(agent_dir, root_dir, top / "updater.log"), 1);
  const std::string log = test::read_file(top / "updater.log");
  auto result = read_updater_result(agent_dir);
  ASSERT_TRUE(result) << result.error().message() << "\n" << log;
  ASSERT_TRUE(*result) << log;
  EXPECT_EQ((*result)->step, UpdaterStep::refused);
  // Refused for the package's name: every line was read and the hash matched.
  EXPECT_NE((*result)->detail.find("not pqbranch-agent"), std::string::npos) << (*result)->detail;
  EXPECT_TRUE(std::filesystem::exists(agent_dir / "request.rejected"));
  std::filesystem::remove_all(top);
}

}  // namespace
}  // namespace pqbranch::update
