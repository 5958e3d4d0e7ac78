#pragma once
// Settings shared by the agent's and the edge-stub's config files. Plain data with the
// documented defaults (docs/config.md); the rules between them live in validation.hpp.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/common.h>

#include "pqbranch/config/endpoint.hpp"
#include "pqbranch/config/groups.hpp"
#include "pqbranch/config/units.hpp"
#include "pqbranch/core/ipsec.hpp"

namespace pqbranch::config {

// [tls]: this end's certificate and key, and the CA that issued the peer's certificate.
struct TlsSettings {
  std::filesystem::path certificate;  // required
  std::filesystem::path private_key;  // required
  std::filesystem::path ca;           // required
  // Offered/accepted key-exchange groups, in preference order, in OpenSSL's spelling.
  std::vector<std::string> groups{std::string(kDefaultGroup)};
  // Classical (not post-quantum) groups may appear in `groups` only when this is true.
  bool allow_classical = false;
  friend bool operator==(const TlsSettings&, const TlsSettings&) = default;
};

// [lifetime]: ESP SA lifetimes (kernel soft/hard limits). 0 bytes means no byte limit.
struct LifetimeSettings {
  Duration soft_time = std::chrono::minutes{90};
  Duration hard_time = std::chrono::hours{2};
  std::uint64_t soft_bytes = 0;
  std::uint64_t hard_bytes = 0;
  friend bool operator==(const LifetimeSettings&, const LifetimeSettings&) = default;
};

// [ownership]: the reqid range that marks SAs and policies as pqbranch's ("pq" = 0x7071),
// so listing and flushing never touch another IPsec daemon's state.
inline constexpr std::uint32_t kDefaultReqidMin = 0x7071'0000;
inline constexpr std::uint32_t kDefaultReqidMax = 0x7071'ffff;
struct OwnershipSettings {
  std::uint32_t reqid_min = kDefaultReqidMin;
  std::uint32_t reqid_max = kDefaultReqidMax;
  friend bool operator==(const OwnershipSettings&, const OwnershipSettings&) = default;
};

using core::TunnelMode;  // "route": xfrm interface + routes; "policy": selectors

// [nat_traversal]: UDP encapsulation of ESP (RFC 3948).
enum class NatMode { off, automatic, force };  // "off", "auto", "force"
struct NatSettings {
  NatMode mode = NatMode::automatic;
  std::uint16_t port = 4500;                      // RFC 3948 §2
  Duration keepalive = std::chrono::seconds{20};  // RFC 3948 §4 suggests 20 s
  friend bool operator==(const NatSettings&, const NatSettings&) = default;
};

// [metrics]: the Prometheus text endpoint (GET /metrics over plain HTTP). Off unless
// `listen` is set; it tells SPIs' counts and names, never keys, and has no authentication,
// so bind it to loopback or a management address.
struct MetricsSettings {
  std::optional<SocketAddress> listen;
  friend bool operator==(const MetricsSettings&, const MetricsSettings&) = default;
};

}  // namespace pqbranch::config
