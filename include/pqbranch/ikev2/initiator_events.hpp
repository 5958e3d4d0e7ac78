#pragma once
// What the executor feeds the initiator machine (initiator_machine.hpp), each with the time
// it happened.

#include <cstdint>
#include <variant>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/ikev2/initiator_actions.hpp"

namespace pqbranch::ikev2 {

// Make the first IKE SA.
struct Start {};
// Stop: with `delete_sas`, Delete each established IKE SA (not waited for) and remove the
// CHILD SAs from the kernel; without, they stay until their lifetime.
struct Stop {
  bool delete_sas = false;
};
// The WakeAt timer fired.
struct TimerFired {};
// A datagram arrived on `socket` from `from`, as received (NAT-T: marker included).
struct DatagramReceived {
  IkeSocket socket = IkeSocket::ike;
  core::IpAddress from;
  std::vector<std::uint8_t> bytes;
};

// --- step results ---
using xfrm::KernelDone;    // xfrm/kernel_steps.hpp
using xfrm::SpiAllocated;  // xfrm/kernel_steps.hpp

using InitiatorEvent =
    std::variant<Start, Stop, TimerFired, DatagramReceived, SpiAllocated, KernelDone>;

}  // namespace pqbranch::ikev2
