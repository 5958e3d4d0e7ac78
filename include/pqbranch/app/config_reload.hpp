#pragma once
// Which changes between the running agent.toml and a new one a reload (SIGHUP, systemctl
// reload) may apply in place, and which it must refuse: pure, so the rules are unit-tested.
// docs/operations.md, "Reload", is the operator's view of the same table.

#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/config/agent_config.hpp"

namespace pqbranch::app {

// How a changed key can take effect.
enum class ReloadScope {
  hot,      // applied in place; installed SAs untouched
  restart,  // only by restarting the agent (its SAs are adopted on start)
  tunnel,   // only with a new tunnel (flush and restart: the SAs go)
};

struct ReloadPlan {
  // Changed keys as agent.toml names them ("rotation.interval", "tunnel.local_address"),
  // in the file's order, by scope.
  std::vector<std::string> hot;
  std::vector<std::string> restart;
  std::vector<std::string> tunnel;

  [[nodiscard]] bool accepted() const { return restart.empty() && tunnel.empty(); }
  [[nodiscard]] bool changes(std::string_view key) const;
  // Why a refused plan is refused, naming every key that is not hot; empty when accepted.
  [[nodiscard]] std::string refusal() const;
};

[[nodiscard]] ReloadPlan plan_reload(const config::AgentConfig& running,
                                     const config::AgentConfig& next);

}  // namespace pqbranch::app
