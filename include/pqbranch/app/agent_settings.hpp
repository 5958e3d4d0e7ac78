#pragma once
// From agent.toml (config::AgentConfig) to what the agent's parts take: the rotation
// machine's config, the key-service client's options, the tunnel layout, the ownership
// rule for the kernel and the file paths. Pure, so the mapping is unit-tested.

#include <filesystem>
#include <optional>
#include <vector>

#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/health/icmp_prober.hpp"
#include "pqbranch/health/tunnel_health.hpp"
#include "pqbranch/keysvc/agent_client.hpp"
#include "pqbranch/keysvc/agent_executor.hpp"
#include "pqbranch/rotation/rotation_config.hpp"
#include "pqbranch/tunnel/tunnel_setup.hpp"
#include "pqbranch/xfrm/ownership.hpp"

namespace pqbranch::app {

// [health]: the machine's thresholds and the prober's addresses and timing. Without
// health.source the source is looked up at start (health::find_source_address) among the
// addresses inside tunnel.local_prefixes.
struct AgentHealthSettings {
  health::TunnelHealthConfig machine;
  health::ProberSettings probe;
  bool source_configured = false;
  std::vector<core::IpPrefix> source_prefixes;
};

struct AgentSettings {
  rotation::AgentRotationConfig rotation;
  keysvc::AgentClientOptions client;
  tunnel::TunnelLayout layout;
  xfrm::Ownership ownership;
  std::filesystem::path state_file;
  std::filesystem::path status_socket;
  // Shared with the root updater (<state_directory>/update): packages, request, result.
  std::filesystem::path update_dir;
  // The package's version (running_package_version); absent when run from a build tree.
  std::filesystem::path package_version_file = "/usr/share/pqbranch-agent/version";
  std::optional<AgentHealthSettings> health;  // absent: [health] is off
};

// - rotation every interval ± jitter (the machine draws uniformly in [interval - jitter,
//   interval + jitter]); backoff from [edge]; one attempt (connect, ALLOCSPI, request,
//   offer) may take twice connect_timeout;
// - NAT traversal "auto" and "force" both send the hello and advertise UDP encapsulation:
//   the edge, which sees the agent's public address, decides whether the offer
//   encapsulates; "off" never does;
// - route mode: SAs, policies and ownership carry tunnel.if_id; policy mode: if_id 0;
// - [health]: down after health.down_after consecutive lost probes, failover every
//   health.failover_after in down; the other thresholds are the machine's defaults.
[[nodiscard]] AgentSettings agent_settings(const config::AgentConfig& config);

}  // namespace pqbranch::app
