#pragma once
// POST /v1/generation: the agent asks for the next key generation; the edge answers with
// its inbound SPI and the tunnel's parameters. The ESP keys themselves never appear here:
// both ends derive them from the TLS connection with the exporter (exporter_context.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/core/ipsec.hpp"
#include "pqbranch/wire/errc.hpp"

namespace pqbranch::wire {

// What the agent can do. Encoded as a list of names; unknown names from a newer agent are
// ignored (the one extension point of version 1), duplicates are refused.
struct Capabilities {
  bool esn = false;
  bool natt = false;
  bool route = false;
  bool policy = false;
  friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

// The agent's UDP encapsulation socket (its local port; the edge learns the public,
// possibly NAT-mapped, port from the NAT hello).
struct NatRequest {
  std::uint16_t source_port = 0;  // 1..65535
  friend bool operator==(const NatRequest&, const NatRequest&) = default;
};

struct GenerationRequest {
  std::string agent_version;             // 1..64 of [A-Za-z0-9.+~_-]
  std::uint64_t current_generation = 0;  // generation of the agent's outbound SA; 0 = none
  std::uint32_t agent_spi = 0;           // agent's inbound SPI from ALLOCSPI, >= kMinSpi
  std::optional<NatRequest> nat;         // null: no UDP encapsulation
  Capabilities capabilities;
  friend bool operator==(const GenerationRequest&, const GenerationRequest&) = default;
};

// Limits for both directions' SAs (XFRM lifetime_cfg). Seconds: 1 <= soft < hard.
// Bytes: both 0 (no byte limit) or 1 <= soft < hard.
struct Lifetime {
  std::uint64_t soft_seconds = 0;
  std::uint64_t hard_seconds = 0;
  std::uint64_t soft_bytes = 0;
  std::uint64_t hard_bytes = 0;
  friend bool operator==(const Lifetime&, const Lifetime&) = default;
};

using core::TunnelMode;
std::string_view to_string(TunnelMode mode) noexcept;

// One pair of inner prefixes (same family within a pair).
struct Selector {
  core::IpPrefix agent;
  core::IpPrefix edge;
  friend bool operator==(const Selector&, const Selector&) = default;
};

// UDP encapsulation ports (RFC 3948). agent_port is the agent's port as the edge sees it
// (after NAT); edge_port is the edge's.
struct Encap {
  std::uint16_t agent_port = 0;  // 1..65535
  std::uint16_t edge_port = 0;   // 1..65535
  friend bool operator==(const Encap&, const Encap&) = default;
};

struct Tunnel {
  TunnelMode mode = TunnelMode::policy;
  // Outer addresses, same family. agent_outer is the agent's address as the edge sees it
  // (its NAT's public address behind a NAT); the agent sources from its own address.
  core::IpAddress agent_outer;
  core::IpAddress edge_outer;
  std::optional<std::uint32_t> if_id;  // present (>= 1) in route mode, null in policy mode
  std::vector<Selector> selectors;     // 1..kMaxSelectors, no duplicates
  std::optional<Encap> encap;          // null: plain ESP
  friend bool operator==(const Tunnel&, const Tunnel&) = default;
};

struct GenerationResponse {
  std::uint64_t generation = 0;  // >= 1, never reused by the edge
  // The generation the edge sends on when it answers (0: none yet), < generation. Proves to
  // the agent that the edge is on it, so the agent can retire older inbound SAs.
  std::uint64_t edge_generation = 0;
  std::uint32_t agent_spi = 0;  // echoes the request's agent_spi: binds the answer to it
  std::uint32_t edge_spi = 0;   // edge's inbound SPI, >= kMinSpi
  Lifetime lifetime;
  Tunnel tunnel;
  std::uint32_t replay_window = 0;  // kMinReplayWindow..kMaxReplayWindow
  // "icv_bytes": 16 and "esn": true are fixed by version 1, so they are not members: encode
  // writes them and decode insists on them, so a peer with other expectations fails loudly
  // instead of installing mismatched SAs.
  friend bool operator==(const GenerationResponse&, const GenerationResponse&) = default;
};

[[nodiscard]] std::string encode(const GenerationRequest& request);
[[nodiscard]] std::string encode(const GenerationResponse& response);
[[nodiscard]] core::Result<GenerationRequest> decode_generation_request(std::string_view body);
[[nodiscard]] core::Result<GenerationResponse> decode_generation_response(std::string_view body);

}  // namespace pqbranch::wire
