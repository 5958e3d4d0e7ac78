#pragma once
// The agent's least-privilege rule: CAP_NET_ADMIN is all it needs (XFRM, routes,
// per-socket bypass), plus CAP_NET_BIND_SERVICE when an IKEv2 peer binds a port below 1024
// (500 by default). Missing CAP_NET_ADMIN is fatal; more than allowed is a warning (the
// systemd unit restricts them).

#include <cstdint>
#include <string>
#include <vector>

#include "pqbranch/config/agent_config.hpp"

namespace pqbranch::app {

// The capability bits `config` may use.
[[nodiscard]] std::uint64_t allowed_capabilities(const config::AgentConfig& config);

struct CapabilityVerdict {
  bool ok = true;                  // false: CAP_NET_ADMIN is missing
  std::vector<std::string> extra;  // held beyond allowed_capabilities (names)
};
// Pure: `effective` is the process's effective set.
[[nodiscard]] CapabilityVerdict judge_capabilities(std::uint64_t effective,
                                                   const config::AgentConfig& config);

// Reads this process's set, logs the verdict; false when the agent cannot run. An
// unreadable set is logged and allowed (the kernel will refuse what it must).
bool check_capabilities(const config::AgentConfig& config);

}  // namespace pqbranch::app
