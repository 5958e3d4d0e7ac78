#pragma once
// What the initiator machine (initiator_machine.hpp) asks its executor to do. The executor
// performs a returned list in order; a "step" (it carries a StepId) has a result that the
// executor feeds back as an event (SpiAllocated, KernelDone) once the list is done.
// Everything else is fire-and-forget.

#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/core/note.hpp"
#include "pqbranch/xfrm/kernel_steps.hpp"

namespace pqbranch::ikev2 {

// The kernel steps (xfrm/kernel_steps.hpp): AllocateSpi, InstallPair, UpdateSa (an inbound SA
// alone, of a CHILD SA the responder rekeyed), AddSa (its outbound SA later), DeleteSa.
using xfrm::AddSa;
using xfrm::AllocateSpi;
using xfrm::DeleteSa;
using xfrm::InstallPair;
using xfrm::StepId;
using xfrm::UpdateSa;

// The initiator's two UDP sockets: IKE (port 500) and NAT-T (port 4500, where IKE travels
// behind the non-ESP marker, RFC 3948 §2.2).
enum class IkeSocket : std::uint8_t { ike, natt };

// Send `bytes` as they are (the machine has put the non-ESP marker in front on the NAT-T
// socket) from `socket` to `to`:`port`. A send error is the executor's to log.
struct SendDatagram {
  IkeSocket socket = IkeSocket::ike;
  core::IpAddress to;
  std::uint16_t port = 0;
  std::vector<std::uint8_t> bytes;
};

// (Re)arm the machine's single timer: deliver TimerFired at `at`. Replaces any earlier one.
struct WakeAt {
  core::Clock::time_point at;
};

// Add 1 to the counter `name` of this peer (label peer="<name>").
struct CountMetric {
  std::string_view name;
};

// A line for the log (core/note.hpp); the executor prefixes the peer's name.
using core::Note;
using core::NoteLevel;

using InitiatorAction = std::variant<SendDatagram, AllocateSpi, InstallPair, UpdateSa, AddSa,
                                     DeleteSa, WakeAt, CountMetric, Note>;

}  // namespace pqbranch::ikev2
