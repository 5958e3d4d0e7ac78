#pragma once
// The agent's configuration (/etc/pqbranch/agent.toml; reference: docs/config.md).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/config/common_settings.hpp"
#include "pqbranch/config/endpoint.hpp"
#include "pqbranch/config/ikev2_config.hpp"
#include "pqbranch/config/update_config.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"

namespace pqbranch::config {

inline constexpr std::string_view kDefaultAgentConfigPath = "/etc/pqbranch/agent.toml";

// [edge]: the edge's key service; endpoints are replicas of one edge, tried in order.
struct EdgeSettings {
  // Required, at least one. Each one's name is `name` from the file if set, else its host
  // when that is a DNS name; an IP endpoint without `name` is a config error, since the
  // edge's certificate could then not be checked for who it is.
  std::vector<EdgeEndpoint> endpoints;
  Duration connect_timeout = std::chrono::seconds{10};  // TCP connect plus TLS handshake
  Duration backoff_initial = std::chrono::seconds{1};   // first retry delay; doubles, with jitter
  Duration backoff_max = std::chrono::minutes{2};
  friend bool operator==(const EdgeSettings&, const EdgeSettings&) = default;
};

// [tunnel]
struct TunnelSettings {
  TunnelMode mode = TunnelMode::route;
  core::IpAddress local_address;                // required: this router's outer address
  core::IpAddress remote_address;               // required: the edge's outer address
  std::vector<core::IpPrefix> local_prefixes;   // required: the branch LAN(s)
  std::vector<core::IpPrefix> remote_prefixes;  // required: reached through the tunnel
  std::string interface = "pqb0";               // route mode: the xfrm interface
  std::uint32_t if_id = 0x7071'0000;            // route mode: its if_id (not 0)
  std::uint32_t reqid = kDefaultReqidMin;       // one per tunnel, inside [ownership]
  friend bool operator==(const TunnelSettings&, const TunnelSettings&) = default;
};

// [rotation]: a new key generation every interval ± jitter (or at soft expiry if sooner).
struct RotationSettings {
  Duration interval = std::chrono::hours{1};
  Duration jitter = std::chrono::minutes{5};
  friend bool operator==(const RotationSettings&, const RotationSettings&) = default;
};

// [health]: probes through the tunnel and the health state they give (docs/operations.md,
// "Tunnel health"). Without the section it is off; with it, on unless enabled = false.
struct HealthSettings {
  bool enabled = false;
  core::IpAddress target;                 // required when enabled: inside tunnel.remote_prefixes
  std::optional<core::IpAddress> source;  // inside tunnel.local_prefixes; unset: found at start
  Duration interval = std::chrono::seconds{1};
  Duration timeout = std::chrono::seconds{1};
  std::uint32_t down_after = 3;  // consecutive lost probes
  Duration failover_after = std::chrono::minutes{1};
  friend bool operator==(const HealthSettings&, const HealthSettings&) = default;
};
inline constexpr Duration kMinHealthInterval = std::chrono::milliseconds{100};
inline constexpr Duration kMaxHealthInterval = std::chrono::minutes{1};
inline constexpr Duration kMaxHealthTimeout = std::chrono::seconds{30};
inline constexpr std::uint32_t kMinHealthDownAfter = 3;
inline constexpr std::uint32_t kMaxHealthDownAfter = 100;

struct AgentConfig {
  std::filesystem::path state_directory = "/var/lib/pqbranch";
  spdlog::level::level_enum log_level = spdlog::level::info;
  std::filesystem::path status_socket = "/run/pqbranch/agent.sock";
  TlsSettings tls;
  EdgeSettings edge;
  TunnelSettings tunnel;
  NatSettings nat_traversal;
  MetricsSettings metrics;
  RotationSettings rotation;
  LifetimeSettings lifetime;
  OwnershipSettings ownership;
  // [[ikev2.peer]]: IKEv2 responders the agent keeps tunnels to as initiator.
  std::vector<Ikev2PeerSettings> ikev2_peers;
  // [update]: signed releases and the interrupt windows they may be installed in.
  UpdateSettings update;
  HealthSettings health;
  // The key-service tunnel ([edge], [tls], [tunnel], [rotation]). Off only when the file has
  // IKEv2 peers and no [edge] section.
  bool key_service = true;
};

// Parses and validates; `name` is how errors name the file ("agent.toml:12:9: key: why").
core::Result<AgentConfig> parse_agent_config(std::string_view text, const std::string& name);
// Reads the file (errors name the path), then parse_agent_config with the path as name.
core::Result<AgentConfig> load_agent_config(const std::filesystem::path& path);

}  // namespace pqbranch::config
