#pragma once
// A network namespace of the test's own, so a test touches nothing outside it (netns
// tests; VM tests can use it too): created with `ip netns add` under a unique name
// (pqbt-<pid>-<n>), deleted in the destructor, and stale ones of dead test processes removed
// on the next run. Code runs inside it by switching the calling thread (setns) for the
// duration of a call; `ip` commands run inside through nsenter (`ip netns exec` needs mount
// namespace operations the build root does not allow).

#include <memory>
#include <string>
#include <utility>

namespace pqbranch::test {

// Switches the calling thread into the network namespace at `path` (a file such as
// /run/netns/NAME) until destruction; sockets opened meanwhile stay in that namespace.
// Aborts if it cannot switch there or back: nothing must run in the wrong namespace.
class EnterNetns {
 public:
  explicit EnterNetns(const std::string& path);
  ~EnterNetns();
  EnterNetns(const EnterNetns&) = delete;
  EnterNetns& operator=(const EnterNetns&) = delete;

 private:
  int original_ = -1;
};

struct CommandResult {
  int status = -1;     // exit status, -1 if it did not run
  std::string output;  // stdout and stderr
};

class TestNetns {
 public:
  // nullptr (and a gtest failure) if the namespace cannot be made.
  static std::unique_ptr<TestNetns> create();
  ~TestNetns();
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;

  [[nodiscard]] const std::string& name() const { return name_; }

  // Runs `command` (sh -c) inside the namespace.
  CommandResult sh(const std::string& command) const;

  // Calls fn() with the calling thread inside the namespace; sockets it opens stay there.
  template <class F>
  auto run_inside(F&& fn) const {
    const EnterNetns guard("/run/netns/" + name_);
    return std::forward<F>(fn)();
  }

 private:
  explicit TestNetns(std::string name) : name_(std::move(name)) {}

  std::string name_;
};

// Runs `command` (sh -c) in the current namespace.
CommandResult run_command(const std::string& command);

}  // namespace pqbranch::test
