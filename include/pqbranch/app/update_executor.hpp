#pragma once
// The agent's update machine (update::UpdateMachine, pure) bound to the world: the release
// transfers of the key-service client, the update directory shared with the root updater,
// a wall-clock timer, the log and the metrics (docs/updates.md, "The agent's side").
//
// - The decisions: the manifest verified with the pinned keys against the running version
//   and channel (update::verify_release); installs started only inside an interrupt window
//   with room for install_time (update::WindowSchedule).
// - Every operation's result comes back as an event posted to the io_context, never inside
//   the action that started it, so the actions of one step run in their order.
// - A watch every watch_interval: the updater's result file (fed when it changes; also read
//   at start, since the updater restarts the agent), the first completed key rotation of
//   this process (reports wait for it), and the wall clock (a Tick when a wake-up is due:
//   a stepped clock is noticed within one interval).
// - Transfers use the configured endpoints in turn: a failed one moves to the next.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "pqbranch/app/operator_command.hpp"
#include "pqbranch/config/update_config.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/keysvc/agent_client.hpp"
#include "pqbranch/update/update_events.hpp"
#include "pqbranch/update/update_machine_config.hpp"
#include "pqbranch/update/update_status.hpp"

namespace pqbranch::app {

struct UpdateExecutorOptions {
  std::filesystem::path update_dir;  // created (0700) if missing
  std::string running_version;       // running_package_version()
  std::size_t endpoints = 1;         // how many the client has
  std::chrono::milliseconds watch_interval{std::chrono::seconds(5)};
  // Last word on the machine's timing (tests).
  std::function<void(update::UpdateMachineConfig&)> machine;
};

// The version the update machine compares releases with: the first line of
// `version_file` (the package writes its Debian version there) when that file exists and
// holds a release version, the compiled-in version otherwise. Installing a package sets
// the version, also where the package's programs were built from another version string.
[[nodiscard]] std::string running_package_version(const std::filesystem::path& version_file);

// What create() loads: the pinned release keys and the windows (check-config).
core::Result<void> check_update_settings(const config::UpdateSettings& settings);

class UpdateExecutor {
 public:
  // How many key rotations this process completed.
  using Rotations = std::function<std::uint64_t()>;

  // Loads the pinned keys and the windows (errors name the part); runs nothing yet.
  static core::Result<std::unique_ptr<UpdateExecutor>> create(
      boost::asio::io_context& io, const config::UpdateSettings& settings,
      UpdateExecutorOptions options, keysvc::AgentClient& client, core::Metrics& metrics,
      Rotations rotations);
  ~UpdateExecutor();
  UpdateExecutor(const UpdateExecutor&) = delete;
  UpdateExecutor& operator=(const UpdateExecutor&) = delete;

  // Reads the saved state and the updater's result, logs the tz database and the next
  // window, and starts the machine and the watch.
  void start();
  // Timers cancelled; transfers still running end without effect.
  void stop();

  // An operator's command (control socket), as parse_operator_command made it (a pin names a
  // valid version): handled at once; the answer says what the machine does about it, or why
  // it refuses.
  core::Result<std::string> operate(const OperatorCommand& command);

  [[nodiscard]] update::UpdateStatus status() const;
  // The tz database the windows are evaluated with (or why it is unavailable).
  [[nodiscard]] const std::string& tz_database() const;

 private:
  struct Impl;
  explicit UpdateExecutor(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace pqbranch::app
