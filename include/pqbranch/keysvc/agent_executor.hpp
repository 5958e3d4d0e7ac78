#pragma once
// Drives AgentRotation (docs/rotation.md, "Executor contract"): performs its actions in
// order — kernel steps through xfrm::Kernel, network actions through an AgentTransport,
// WakeAt on a steady timer, SaveAgentState atomically into the state file (0600, never a
// key), Note as a log line — feeds step results back after each list, and watches the
// kernel's event descriptor for expire events. Everything runs on one io_context thread.
//
// start() reconciles: the saved state and Kernel::list_sas() go to AgentRotation::start,
// which adopts what matches and queues the rest for deletion, then rotates at once.
// stop() leaves SAs and policies in place (a restart adopts them).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/keysvc/agent_transport.hpp"
#include "pqbranch/keysvc/fault_hook.hpp"
#include "pqbranch/rotation/actions.hpp"
#include "pqbranch/rotation/agent_rotation.hpp"
#include "pqbranch/rotation/rotation_config.hpp"
#include "pqbranch/xfrm/kernel.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace pqbranch::keysvc {

inline constexpr const char* kAgentStateFileName = "agent-state.json";
inline constexpr std::size_t kMaxStateFileBytes = std::size_t{64} * 1024;

struct AgentExecutorOptions {
  rotation::AgentRotationConfig rotation;
  // The state file (agent-state.json in config state_directory); its directory must exist.
  std::filesystem::path state_file;
  rotation::RandomSource random;  // jitter; production: seeded from std::random_device
  // Called after each action was performed (kernel step done, state saved, ...), before
  // step results are fed back: tests check the kernel's SA and policy sets here.
  std::function<void(const rotation::AgentAction&)> observer;
  FaultHook fault;
  // The clock whose now() the machine sees; must be steady_clock based (timers).
  const core::Clock* clock = nullptr;  // nullptr: a SystemClock
};

// How long rotations took, from the Connect of the attempt that succeeded to its
// acknowledgement (handshake, ALLOCSPI, request, offer, installs).
struct RotationTiming {
  rotation::Generation generation = 0;
  std::chrono::microseconds latency{0};
};

class AgentExecutor {
 public:
  AgentExecutor(boost::asio::io_context& io, xfrm::Kernel& kernel, AgentTransport& transport,
                core::Metrics& metrics, AgentExecutorOptions options);
  ~AgentExecutor();
  AgentExecutor(const AgentExecutor&) = delete;
  AgentExecutor& operator=(const AgentExecutor&) = delete;

  // Loads the state file (a missing file is a first start; an unreadable or corrupt one is
  // logged and treated as none: every SA of the tunnel is then removed and replaced),
  // lists the kernel's SAs and starts the machine. Errors: the kernel could not be listed.
  core::Result<void> start();
  // Cancels the timer and the event watch and shuts the transport down. SAs stay.
  void stop();

  // Feeds RotateNow (the health monitor: the tunnel is down); nothing once stopped.
  void rotate_now(std::string why, bool next_endpoint);
  // Feeds TimingChanged (a config reload); nothing once stopped.
  void change_timing(const rotation::TimingChanged& timing);

  [[nodiscard]] const rotation::AgentRotation& rotation() const;
  [[nodiscard]] rotation::RotationStatus status() const;
  [[nodiscard]] std::uint64_t rotations() const noexcept;
  // The most recent timings (at most 1024).
  [[nodiscard]] const std::vector<RotationTiming>& timings() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared: pending completions hold it weakly
};

// Reads a state file: nullopt when absent; errors when unreadable or not what encode()
// writes.
core::Result<std::optional<rotation::AgentState>> load_agent_state(
    const std::filesystem::path& file);

}  // namespace pqbranch::keysvc
