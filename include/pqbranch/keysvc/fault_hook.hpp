#pragma once
// A test-only fault hook for both executors: PQB_FAULT_KILL_AT=<point>[:<n>] makes the
// process raise(SIGKILL) at the n-th (1-based, default 1) occurrence of that point, counted
// from process start. A point is an action name (the executor dies right BEFORE performing
// that action) or "after_" plus an action name (right AFTER performing it, before its result
// is fed back), e.g. "update_sa:2" or "after_allocate_spi". VM tests use it to kill the agent
// or the edge-stub at every step of a rotation and check that the restart converges.
// Action names are the action variants' types in snake_case (action_name()):
//   agent: connect, send_request, send_ack, close_connection, allocate_spi, add_sa,
//          update_sa, delete_sa, read_counters, save_agent_state, wake_at, note;
//   edge:  send_offer, send_refusal, derive_keys, allocate_spi, add_sa, update_sa,
//          delete_sa, update_peer_port, read_counters, save_edge_state, wake_at, note.
// docs/rotation.md lists which point is which step of a rotation. Only test builds read
// the variable (CMake option PQB_FAULT_HOOK, on in the asan and debug presets); release and
// package builds get a hook that never fires.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/rotation/actions.hpp"

namespace pqbranch::keysvc {

inline constexpr const char* kFaultKillAtVariable = "PQB_FAULT_KILL_AT";

// "add_sa" for AddSa, ... (see above).
[[nodiscard]] const char* action_name(const rotation::AgentAction& action) noexcept;
[[nodiscard]] const char* action_name(const rotation::EdgeAction& action) noexcept;

// Whose action names a hook accepts.
enum class FaultSide : std::uint8_t { agent, edge };

class FaultHook {
 public:
  struct Spec {
    std::string action;
    std::uint64_t nth = 1;
    bool after = false;  // "after_<action>": once the action was performed
    friend bool operator==(const Spec&, const Spec&) = default;
  };

  // "[after_]<action>[:<n>]" with an action name of `side` and n >= 1; otherwise an
  // invalid_argument error (generic category) naming the variable.
  static core::Result<Spec> parse(std::string_view text, FaultSide side = FaultSide::agent);
  // From the environment; an unset or empty variable gives an inactive hook; a malformed
  // one is an error (a test that asked for a fault must not silently run without it).
  static core::Result<FaultHook> from_environment(FaultSide side = FaultSide::agent);

  FaultHook() = default;
  // `kill` replaces raise(SIGKILL) (unit and component tests).
  explicit FaultHook(Spec spec, std::function<void()> kill = {});

  [[nodiscard]] bool active() const noexcept { return spec_.has_value(); }
  // Call right before and right after performing `action`.
  void before(const rotation::AgentAction& action) { at(action_name(action), false); }
  void after(const rotation::AgentAction& action) { at(action_name(action), true); }
  void before(const rotation::EdgeAction& action) { at(action_name(action), false); }
  void after(const rotation::EdgeAction& action) { at(action_name(action), true); }

 private:
  void at(std::string_view action, bool after);

  std::optional<Spec> spec_;
  std::uint64_t seen_ = 0;
  std::function<void()> kill_;
};

}  // namespace pqbranch::keysvc
