#pragma once
// The initiator machine's kernel actions performed on an xfrm::Kernel, each giving the event
// that carries its result back to the machine. The session's executor and the test harness
// both use these, so what a step means is written once.

#include "pqbranch/ikev2/initiator_actions.hpp"
#include "pqbranch/ikev2/initiator_events.hpp"
#include "pqbranch/xfrm/kernel.hpp"

namespace pqbranch::ikev2 {

[[nodiscard]] SpiAllocated perform(xfrm::Kernel& kernel, const AllocateSpi& a);
[[nodiscard]] KernelDone perform(xfrm::Kernel& kernel, const InstallPair& a);
[[nodiscard]] KernelDone perform(xfrm::Kernel& kernel, const DeleteSa& a);

}  // namespace pqbranch::ikev2
