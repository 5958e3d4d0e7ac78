#pragma once
// A test-only fault hook for the agent's executor: PQB_FAULT_KILL_AT=<action>[:<n>] makes
// the process raise(SIGKILL) right before it performs the n-th action (1-based, default 1)
// of that kind, e.g. "update_sa:2" (the second inbound install) or "delete_sa". VM tests use
// it to kill the agent at every step of a rotation and check that the restart converges.
// Action names are those of action_name() (actions.hpp variant types in snake_case):
// connect, send_request, send_ack, close_connection, allocate_spi, add_sa, update_sa,
// delete_sa, read_counters, save_agent_state, wake_at, note.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/keysvc/actions.hpp"

namespace pqbranch::keysvc {

inline constexpr const char* kFaultKillAtVariable = "PQB_FAULT_KILL_AT";

// "add_sa" for AddSa, ... (see above).
[[nodiscard]] const char* action_name(const AgentAction& action) noexcept;

class FaultHook {
 public:
  struct Spec {
    std::string action;
    std::uint64_t nth = 1;
    friend bool operator==(const Spec&, const Spec&) = default;
  };

  // "<action>[:<n>]" with a known action name and n >= 1; otherwise an invalid_argument
  // error (generic category) naming the variable.
  static core::Result<Spec> parse(std::string_view text);
  // From the environment; an unset or empty variable gives an inactive hook; a malformed
  // one is an error (a test that asked for a fault must not silently run without it).
  static core::Result<FaultHook> from_environment();

  FaultHook() = default;
  // `kill` replaces raise(SIGKILL) (unit tests).
  explicit FaultHook(Spec spec, std::function<void()> kill = {});

  [[nodiscard]] bool active() const noexcept { return spec_.has_value(); }
  // Call right before performing `action`.
  void before(const AgentAction& action);

 private:
  std::optional<Spec> spec_;
  std::uint64_t seen_ = 0;
  std::function<void()> kill_;
};

}  // namespace pqbranch::keysvc
