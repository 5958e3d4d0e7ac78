#pragma once
// What the executor feeds the rotation state machines, each with the time it happened.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "pqbranch/core/error.hpp"
#include "pqbranch/rotation/actions.hpp"
#include "pqbranch/rotation/generation.hpp"
#include "pqbranch/xfrm/events.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::rotation {

// The WakeAt timer fired (or any moment the executor wants the machine to look at time).
struct Tick {};

// --- step results ---
using xfrm::KernelDone;    // xfrm/kernel_steps.hpp
using xfrm::SpiAllocated;  // xfrm/kernel_steps.hpp
struct KeysDerived {
  StepId step = 0;
  core::Result<GenerationKeys> keys;
};

// --- kernel ---
struct CountersRead {
  xfrm::SaId id;
  core::Result<std::uint64_t> packets;  // SaCounters::packets
};
// From Kernel::read_events(); expire events matter (soft: rotate, hard: the SA is gone).
struct KernelEvent {
  xfrm::Event event;
};

// --- network, agent side ---
struct Connected {
  ConnectionId conn = 0;
};
struct ConnectFailed {
  ConnectionId conn = 0;
  core::Error error;
};
// The I/O layer decoded an offer and exported its keys from that connection's session.
struct OfferReceived {
  ConnectionId conn = 0;
  GenerationOffer offer;
  GenerationKeys keys;
};
struct RefusalReceived {
  ConnectionId conn = 0;
  Refusal refusal;
};
// The edge answered an acknowledgement: `edge_outbound_installed` = it sends on `generation`
// (or a later one). A refusal of an acknowledgement (generation_mismatch) comes as
// RefusalReceived on the acknowledgement's connection.
struct AckAnswered {
  ConnectionId conn = 0;
  Generation generation = 0;
  bool edge_outbound_installed = false;
};
// The connection failed or the peer closed it (either side).
struct ConnectionLost {
  ConnectionId conn = 0;
  core::Error error;
};

// --- from outside the machine, agent side ---
// Start a new generation now (the tunnel's health probes found it down). With
// `next_endpoint` (down for too long: failover), the attempt and every later one start at
// the endpoint after the last one used. Ignored while an exchange is running.
struct RotateNow {
  std::string why;
  bool next_endpoint = false;
};

// The operator reloaded the config (app/config_reload): new timing or a new endpoint list.
// The SAs, the current exchange and its endpoint stay; the next rotation is planned again
// from the last successful one with the new interval (never in the past: then at once).
struct TimingChanged {
  Duration interval{0};
  Duration jitter{0};
  Duration exchange_timeout{0};
  Duration retry_initial{0};
  Duration retry_max{0};
  std::size_t endpoints = 1;
};

// --- network, edge side ---
// A request from this site (the site comes from the client certificate, never the body).
struct RequestReceived {
  ConnectionId conn = 0;
  GenerationRequest request;
  // From the NAT-T hello, when the edge encapsulates this generation (UDP, RFC 3948).
  std::optional<NatMapping> nat;
  // The agent's outer address as the edge sees it, for a site without a configured address
  // that is not encapsulated (`nat` takes precedence); unset: the configured address.
  std::optional<core::IpAddress> agent_address;
};
struct AckReceived {
  ConnectionId conn = 0;
  GenerationAck ack;
};

using AgentEvent = std::variant<Tick, SpiAllocated, KernelDone, CountersRead, KernelEvent,
                                Connected, ConnectFailed, OfferReceived, RefusalReceived,
                                AckAnswered, ConnectionLost, RotateNow, TimingChanged>;
using EdgeEvent = std::variant<Tick, SpiAllocated, KernelDone, KeysDerived, CountersRead,
                               KernelEvent, RequestReceived, AckReceived, ConnectionLost>;

}  // namespace pqbranch::rotation
