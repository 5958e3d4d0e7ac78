#pragma once
// What the rotation state machines need to know about their tunnel and timing. The config
// module fills these from agent.toml / the edge's site list; tests build them directly.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/xfrm/kernel_steps.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::rotation {

using Duration = core::Clock::duration;
using TimePoint = core::Clock::time_point;

// Random numbers as an input (jitter), so tests are deterministic. Production seeds it
// from std::random_device.
using RandomSource = std::function<std::uint64_t()>;

// Where this side's inbound SPIs come from: 64 random bits per call, nullopt when the
// generator failed. It must be unpredictable (another site that could guess the next SPI
// could reserve it first): production uses the CSPRNG (keysvc::spi_random); tests inject
// a sequence. Unset: no SPI can be allocated.
using SpiRandom = std::function<std::optional<std::uint64_t>()>;

// One tunnel from this side's point of view. Every SA of every generation carries the same
// reqid, if_id and mark (one reqid per tunnel: the inbound policy check compares it, so a
// per-generation reqid would drop the other generation's packets during the overlap).
struct TunnelConfig {
  core::IpAddress local;   // this side's outer address
  core::IpAddress remote;  // the peer's outer address (the edge: the agent's, before NAT)
  std::uint32_t reqid = 0;
  std::uint32_t if_id = 0;  // route mode; 0 in policy mode
  xfrm::Mark mark;
  std::uint32_t replay_window = xfrm::kMinReplayWindow;
  // This side's UDP encapsulation port when NAT traversal is on; 0 = off.
  std::uint16_t nat_port = 0;
  // Each inbound SPI is drawn from this at random over [kMinSpi, 2^32 - 1], skipping SPIs
  // in use (docs/rotation.md, "SPIs").
  SpiRandom spi_random;
};

// The programs' outbound drain (see AgentRotationConfig::outbound_drain).
using xfrm::kOutboundDrain;

struct AgentRotationConfig {
  TunnelConfig tunnel;
  // Endpoints of the same edge (replicas sharing its state), tried in this order; the I/O
  // layer knows their addresses, the machine only their count.
  std::size_t endpoints = 1;
  Duration interval = std::chrono::minutes(10);
  Duration jitter = std::chrono::seconds(30);  // added uniformly in [0, jitter]
  // Deadline for one attempt: connect, allocate, request, offer.
  Duration exchange_timeout = std::chrono::seconds(10);
  // Backoff after a round in which every endpoint failed: initial * 2^(n-1) capped at max,
  // then a uniform pick in [half, whole] (jitter keeps many agents from retrying together).
  Duration retry_initial = std::chrono::seconds(1);
  Duration retry_max = std::chrono::seconds(60);
  // How long an inbound SA stays after the edge is proven on a newer generation (packets
  // already in flight). Also added to inbound hard lifetimes so the receiver outlives the
  // sender.
  Duration grace = std::chrono::seconds(5);
  Duration counter_poll = std::chrono::seconds(1);
  // How long the old outbound SA stays after the new one is installed, before it is
  // deleted. The kernel picks the new SA for every packet from then on, but a packet that
  // another CPU already bound to the old SA is dropped (XfrmOutStateInvalid) if the old SA
  // goes at once (seen in the VM with two CPUs). 0 (the machines' default, for tests that
  // script every step) deletes at once; the programs use kOutboundDrain.
  Duration outbound_drain{0};
  Duration cleanup_retry = std::chrono::seconds(5);
  // An SPI whose larval SA expired before completion is re-allocated at most this often in
  // a row before the attempt counts as failed.
  int max_larval_retries = 3;
};

// What one site may ask of the edge (docs/security.md, "A compromised site"). Above a
// limit a generation request gets `busy` with a Retry-After; acknowledgements are never
// limited.
struct GenerationLimits {
  // A token bucket: `burst` generations back to back, then one more every `refill`.
  std::uint32_t burst = 20;
  Duration refill = std::chrono::milliseconds(500);  // 0: no rate limit
  // Generations above the edge's outbound one with an inbound SA while the agent is not
  // proven on them (the pending one and abandoned ones): a request that would make more
  // is refused until one goes.
  std::uint32_t max_outstanding = 8;
  // An abandoned generation's inbound SA is retired this long after it was abandoned,
  // unless its counters show the agent sending on it (docs/rotation.md).
  Duration abandoned_lifetime = std::chrono::minutes(5);
};

// One site as the edge serves it.
struct EdgeSiteConfig {
  std::string site_id;
  TunnelConfig tunnel;  // local = the edge's address, remote = the agent's (before NAT)
  xfrm::Lifetime lifetime;
  std::vector<xfrm::Selector> selectors;  // policy mode: what the offer says the tunnel carries
  Duration grace = std::chrono::seconds(5);
  Duration counter_poll = std::chrono::seconds(1);
  Duration outbound_drain{0};                // as AgentRotationConfig::outbound_drain
  Duration retry = std::chrono::seconds(5);  // a failed promotion or cleanup is retried after
  GenerationLimits limits;
};

}  // namespace pqbranch::rotation
