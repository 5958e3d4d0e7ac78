#pragma once
// The edge-stub's configuration (/etc/pqbranch/edge-stub.toml; reference: docs/config.md).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/config/common_settings.hpp"
#include "pqbranch/config/endpoint.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"

namespace pqbranch::config {

inline constexpr std::string_view kDefaultEdgeConfigPath = "/etc/pqbranch/edge-stub.toml";
inline constexpr std::uint16_t kDefaultKeyServicePort = 8443;
// Worker threads of the key service: at most this many, whatever the machine has.
inline constexpr std::uint32_t kMaxEdgeThreads = 64;

// The default of `threads`: the online CPUs, at least 1 and at most kMaxEdgeThreads.
[[nodiscard]] std::uint32_t default_edge_threads();

// [limits]: bounds on what one client can make the key service hold or do (docs/config.md;
// why each exists: docs/security.md). Defaults that depend on another key are resolved when
// the file is read.
struct LimitSettings {
  std::uint32_t max_connections = 256;
  std::uint32_t max_unauthenticated = 128;           // default: max_connections / 2
  std::uint32_t max_handshakes = 16;                 // default: at most max_unauthenticated
  std::uint32_t max_per_source = 32;                 // default: at most max_connections
  std::uint32_t max_unauthenticated_per_source = 8;  // default: at most both above
  std::uint64_t max_body_bytes = std::uint64_t{16} * 1024;
  Duration handshake_timeout = std::chrono::seconds{5};  // accept to the end of the handshake
  Duration read_timeout = std::chrono::seconds{10};      // the first request; each write
  Duration idle_timeout = std::chrono::seconds{5};       // each later request (keep-alive)
  std::uint32_t max_requests_per_connection = 8;
  // Per site: generations back to back, one more per refill; outstanding ones; how long
  // an abandoned one keeps its inbound SA.
  std::uint32_t generation_burst = 20;
  Duration generation_refill = std::chrono::milliseconds{500};
  std::uint32_t max_outstanding_generations = 8;
  Duration abandoned_generation_lifetime = std::chrono::minutes{5};
};

// [releases]: the release files the key service serves to authenticated sites
// (docs/key-service.md §9). No directory: no releases (404).
struct ReleaseSettings {
  std::optional<std::filesystem::path> directory;        // <directory>/<channel>/{manifest,*.deb}
  std::uint32_t max_downloads = 4;                       // concurrent manifest/package answers
  Duration transfer_timeout = std::chrono::minutes{30};  // one file's whole answer
};

// [tunnel]: the edge's own side of every site's tunnel.
struct EdgeTunnelSettings {
  core::IpAddress local_address;               // required: the edge's outer address
  std::vector<core::IpPrefix> local_prefixes;  // required: the edge-side LAN(s)
};

// [[site]]: one branch, identified by its client certificate.
struct SiteSettings {
  std::string id;                                 // required: the certificate's CN
  std::optional<core::IpAddress> remote_address;  // absent: learned from the connection (NAT)
  std::vector<core::IpPrefix> prefixes;           // required: the site's LAN(s)
  std::uint32_t reqid = 0;                        // required, inside [ownership]
  std::optional<std::uint32_t> if_id;             // present: route mode; absent: policy mode
};

// Edge-only keys of [tls]: how long one full handshake (certificate verified) may be
// stretched by session resumption, and how often the session-ticket key is replaced.
struct ResumptionSettings {
  Duration max_age = std::chrono::hours{24};
  Duration ticket_key_rotation = std::chrono::hours{6};  // never longer than max_age
};

struct EdgeConfig {
  std::filesystem::path state_directory = "/var/lib/pqbranch-edge";
  spdlog::level::level_enum log_level = spdlog::level::info;
  std::vector<SocketAddress> listen{
      SocketAddress{core::IpAddress::v4({0, 0, 0, 0}), kDefaultKeyServicePort}};
  // Threads that run the connections' TLS work (handshakes, records); 1: everything on
  // the one thread that also holds the shared state (docs/architecture.md).
  std::uint32_t threads = 1;      // from the file: default_edge_threads()
  TlsSettings tls;                // tls.ca issued the sites' client certificates
  ResumptionSettings resumption;  // [tls] resumption_max_age, ticket_key_rotation
  LimitSettings limits;
  ReleaseSettings releases;
  EdgeTunnelSettings tunnel;
  NatSettings nat_traversal;
  MetricsSettings metrics;
  LifetimeSettings lifetime;  // offered to the sites
  OwnershipSettings ownership;
  std::vector<SiteSettings> sites;
};

core::Result<EdgeConfig> parse_edge_config(std::string_view text, const std::string& name);
core::Result<EdgeConfig> load_edge_config(const std::filesystem::path& path);

}  // namespace pqbranch::config
