#pragma once
// The key-service protocol as plain values: what the agent asks for, what the edge offers,
// the acknowledgement and a refusal. Only SPIs and parameters travel. Both ends derive each
// generation's keys from the TLS exporter (RFC 8446 §7.5) of that generation's connection,
// so keys enter the state machines from the I/O layer as GenerationKeys and never appear in
// a message. The wire module maps these values to and from JSON.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::rotation {

// Key generation number: issued by the edge, strictly increasing per site, never reused
// with other keys. 0 means "none yet".
using Generation = std::uint64_t;
// The largest generation number: what the wire carries (I-JSON integers, at most 2^53 - 1;
// docs/key-service.md §3). The edge never issues a number above it, so an agent never
// receives one it must refuse.
inline constexpr Generation kMaxGeneration = (Generation{1} << 53) - 1;
// One TLS connection = one exchange = one generation's keys. Numbered by the side that
// tracks it (the agent for its outgoing connections, the edge's I/O layer for incoming).
using ConnectionId = std::uint64_t;

// agent -> edge: "give me the next generation".
struct GenerationRequest {
  // The generation the agent's outbound SA uses now (0: none). Tells the edge which
  // generation the agent is on, which is how a lost acknowledgement heals.
  Generation current_generation = 0;
  // The agent's new inbound SPI, reserved with ALLOCSPI just before the request.
  std::uint32_t agent_spi = 0;
  // The agent's local UDP encapsulation port when NAT traversal is on.
  std::optional<std::uint16_t> nat_source_port;

  friend bool operator==(const GenerationRequest&, const GenerationRequest&) = default;
};

// The tunnel as the edge sees it: outer addresses and what the tunnel carries.
struct TunnelParams {
  core::IpAddress agent_address;  // after NAT when the edge saw one
  core::IpAddress edge_address;
  std::vector<xfrm::Selector> selectors;  // policy mode: agent LAN -> edge LAN flows
  std::uint32_t if_id = 0;                // route mode: the xfrm interface id; 0 = policy mode

  friend bool operator==(const TunnelParams&, const TunnelParams&) = default;
};

// edge -> agent: generation `generation` is ready on the edge (its inbound SA is installed).
struct GenerationOffer {
  Generation generation = 0;
  // The generation of the edge's outbound SA when it answered: proves to the agent that
  // the edge sends on it (lets the agent retire older inbound SAs after the grace period).
  Generation edge_generation = 0;
  std::uint32_t agent_spi = 0;  // echoes the request: binds the offer to it
  std::uint32_t edge_spi = 0;   // the edge's new inbound SPI = the agent's new outbound SPI
  xfrm::Lifetime lifetime;      // for both directions' SAs
  TunnelParams tunnel;
  // ESP in UDP as the edge installs it (src_port = the edge's port, dst_port = the agent's
  // public port); unset = plain ESP.
  std::optional<xfrm::Encap> encap;

  friend bool operator==(const GenerationOffer&, const GenerationOffer&) = default;
};

// agent -> edge: "I installed `generation` and send on it now".
struct GenerationAck {
  Generation generation = 0;
  std::uint32_t agent_spi = 0;
  std::uint32_t edge_spi = 0;

  friend bool operator==(const GenerationAck&, const GenerationAck&) = default;
};

// One for each wire::ErrorCode (keysvc/wire_mapping.hpp converts), so a refusal keeps the
// edge's exact reason; the machines themselves issue only the first three.
enum class RefusalCode : std::uint8_t {
  bad_request = 1,      // the request breaks a rule (SPI reused, ...)
  busy,                 // over a limit of the site or the edge; retry after retry_after
  internal_error,       // the edge failed (kernel step); retry later
  unsupported_version,  // the peer speaks another protocol version
  unknown_site,         // the client certificate names no configured site
  not_found,            // no such endpoint
  method_not_allowed,   // wrong HTTP method for the endpoint
  spi_conflict,         // agent_spi collides with an SA the edge holds
  generation_mismatch,  // an ack for a generation that is neither pending nor current
  nat_hello_missing,    // "nat" given but no valid NAT hello arrived for this connection
  payload_too_large,    // the body is over the size limit
};
const char* to_string(RefusalCode c) noexcept;

// edge -> agent instead of an offer.
struct Refusal {
  RefusalCode code = RefusalCode::internal_error;
  std::string detail;
  // busy: not before this (HTTP Retry-After, RFC 9110 §10.2.3); unset: the agent's backoff.
  std::optional<std::chrono::seconds> retry_after{};

  friend bool operator==(const Refusal&, const Refusal&) = default;
};

// One generation's ESP keys from the TLS exporter: xfrm::kAeadKeyBytes per direction
// (AES-256-GCM key and salt, RFC 4106).
struct GenerationKeys {
  core::SecureBytes agent_to_edge;  // the agent's outbound = the edge's inbound
  core::SecureBytes edge_to_agent;  // the edge's outbound = the agent's inbound

  [[nodiscard]] GenerationKeys clone() const {
    return {agent_to_edge.clone(), edge_to_agent.clone()};
  }
};

// The agent's public address and UDP port as the edge read them from its NAT-T hello.
struct NatMapping {
  core::IpAddress address;
  std::uint16_t port = 0;

  friend bool operator==(const NatMapping&, const NatMapping&) = default;
};

}  // namespace pqbranch::rotation
