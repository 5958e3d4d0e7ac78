#include "pqbranch/core/process_hardening.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace pqbranch::core {
namespace {

// In a child process, so the test runner itself stays dumpable: exit 0 when the child is
// no longer dumpable and may not write a core file of any size, else which check failed.
int harden_and_check() {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1) ::_exit(10);  // the control: dumpable before
    if (!forbid_core_dumps()) ::_exit(11);
    if (::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) ::_exit(12);
    rlimit core{};
    if (::getrlimit(RLIMIT_CORE, &core) != 0 || core.rlim_cur != 0 || core.rlim_max != 0) {
      ::_exit(13);
    }
    ::_exit(0);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(ProcessHardening, AfterwardsTheProcessIsNotDumpableAndMayWriteNoCoreFile) {
  EXPECT_EQ(harden_and_check(), 0);
}

}  // namespace
}  // namespace pqbranch::core
