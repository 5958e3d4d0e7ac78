#pragma once
// What the rotation state machines ask their executor to do. The executor performs a
// returned list in order. A "step" (it carries a StepId) has a result that the executor
// feeds back as an event (SpiAllocated, KernelDone, KeysDerived) once the list is done;
// a machine has at most one step outstanding. Everything else is fire-and-forget.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "pqbranch/core/note.hpp"
#include "pqbranch/rotation/generation.hpp"
#include "pqbranch/rotation/persisted_state.hpp"
#include "pqbranch/rotation/rotation_config.hpp"
#include "pqbranch/xfrm/kernel_steps.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::rotation {

// The kernel steps (xfrm/kernel_steps.hpp): AllocateSpi, AddSa, UpdateSa, DeleteSa.
using xfrm::AddSa;
using xfrm::AllocateSpi;
using xfrm::DeleteSa;
using xfrm::StepId;
using xfrm::UpdateSa;

// --- kernel (xfrm::Kernel) ---

// xfrm::update_peer_port (a NAT mapping change: the agent's translated port moved) ->
// KernelDone. Needs no key: the kernel keeps the installed SA's key.
struct UpdatePeerPort {
  StepId step = 0;
  xfrm::SaId id;
  xfrm::SaDirection direction = xfrm::SaDirection::in;
  std::uint16_t port = 0;
};
// Kernel::get_sa, then CountersRead with current.packets (not a step: whenever convenient).
struct ReadCounters {
  xfrm::SaId id;
};

// --- key derivation (edge) ---

// Export this generation's keys from connection `conn`'s TLS session (context: site,
// generation, both SPIs, direction) -> KeysDerived.
struct DeriveKeys {
  StepId step = 0;
  ConnectionId conn = 0;
  Generation generation = 0;
  std::uint32_t agent_spi = 0;
  std::uint32_t edge_spi = 0;
};

// --- network ---

// agent: open a new TLS connection to endpoint `endpoint` -> Connected / ConnectFailed.
// Before sending the request on it, the I/O layer sends the NAT-T hello when NAT-T is on.
struct Connect {
  ConnectionId conn = 0;
  std::size_t endpoint = 0;
};
struct SendRequest {
  ConnectionId conn = 0;
  GenerationRequest request;
};
// The answer comes back as AckAnswered (or RefusalReceived / ConnectionLost).
struct SendAck {
  ConnectionId conn = 0;
  GenerationAck ack;
  bool resend = false;  // a repeat on a new connection (the first answer never came)
};
struct SendOffer {
  ConnectionId conn = 0;
  GenerationOffer offer;
};
struct SendRefusal {
  ConnectionId conn = 0;
  Refusal refusal;
  // The site limit that refused it ("rate", "outstanding", "generation_space"), for the
  // metrics; empty: none.
  std::string_view limit{};
};
// Close after pending sends are flushed; sends on a closed connection are dropped.
struct CloseConnection {
  ConnectionId conn = 0;
  // The agent gave up this connection's rotation attempt: why, in one word ("timeout",
  // "offer_generation", ...), for the metrics (agent_rotation_failures_total); empty: the
  // exchange ended normally or the connection was the edge's.
  std::string_view reason{};
};

// --- bookkeeping ---

// Write the state atomically before performing the next action.
struct SaveAgentState {
  AgentState state;
};
struct SaveEdgeState {
  EdgeSiteState state;
};
// (Re)arm the machine's single timer: deliver Tick at `at`. Replaces any earlier WakeAt.
struct WakeAt {
  TimePoint at;
};
// A line for the log (core/note.hpp). Never contains key material.
using core::Note;
using core::NoteLevel;

using AgentAction = std::variant<Connect, SendRequest, SendAck, CloseConnection, AllocateSpi, AddSa,
                                 UpdateSa, DeleteSa, ReadCounters, SaveAgentState, WakeAt, Note>;
using EdgeAction =
    std::variant<SendOffer, SendRefusal, DeriveKeys, AllocateSpi, AddSa, UpdateSa, DeleteSa,
                 UpdatePeerPort, ReadCounters, SaveEdgeState, WakeAt, Note>;

}  // namespace pqbranch::rotation
