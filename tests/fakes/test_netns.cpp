#include "fakes/test_netns.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace pqbranch::test {
namespace {

constexpr const char* kPrefix = "pqbt-";

// Deletes namespaces left by test processes that died before their cleanup ran.
void remove_stale() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/run/netns", ec)) {
    const std::string n = entry.path().filename().string();
    if (n.rfind(kPrefix, 0) != 0) continue;
    const long pid = std::strtol(n.c_str() + 5, nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      run_command("ip netns del " + n);
    }
  }
}

}  // namespace

CommandResult run_command(const std::string& command) {
  CommandResult r;
  const std::string full = command + " 2>&1";
  FILE* pipe = ::popen(full.c_str(), "r");  // NOLINT(cert-env33-c): tests run fixed commands
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
    r.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::unique_ptr<TestNetns> TestNetns::create() {
  static std::atomic<int> counter{0};
  remove_stale();
  const std::string name =
      std::string(kPrefix) + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  const auto r = run_command("ip netns add " + name);
  if (r.status != 0) {
    ADD_FAILURE() << "ip netns add " << name << ": " << r.output;
    return nullptr;
  }
  std::unique_ptr<TestNetns> ns(new TestNetns(name));
  const auto up = ns->sh("ip link set lo up");
  EXPECT_EQ(up.status, 0) << up.output;
  return ns;
}

TestNetns::~TestNetns() {
  const auto r = run_command("ip netns del " + name_);
  EXPECT_EQ(r.status, 0) << "ip netns del " << name_ << ": " << r.output;
}

CommandResult TestNetns::sh(const std::string& command) const {
  std::string quoted;
  for (const char c : command) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return run_command("nsenter --net=/run/netns/" + name_ + " sh -c '" + quoted + "'");
}

EnterNetns::EnterNetns(const std::string& path)
    : original_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
  const int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (original_ < 0 || target < 0 || ::setns(target, CLONE_NEWNET) != 0) {
    // Nothing must run in the wrong namespace.
    std::perror(("enter network namespace " + path).c_str());
    std::abort();
  }
  ::close(target);
}

EnterNetns::~EnterNetns() {
  if (::setns(original_, CLONE_NEWNET) != 0) {
    std::perror("leave network namespace");
    std::abort();
  }
  ::close(original_);
}

}  // namespace pqbranch::test
