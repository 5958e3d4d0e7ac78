#pragma once
// Kernel calls as the steps of a pure state machine (the key service's rotation machines,
// the IKEv2 initiator): the machine returns a step with a StepId, its executor performs it
// on an xfrm::Kernel with perform() and feeds the result back as SpiAllocated or KernelDone
// with the same StepId. One vocabulary, so every machine's kernel step means the same.

#include <chrono>
#include <cstdint>

#include "pqbranch/core/error.hpp"
#include "pqbranch/xfrm/kernel.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::xfrm {

using StepId = std::uint64_t;

// The outbound switch: a new pair is installed, the kernel sends on the newest outbound SA at
// once, and the old outbound SA is deleted only this long after, so that a packet another CPU
// is already encrypting with it is not lost. Far longer than a packet takes to pass
// xfrm_output, far shorter than the time an old inbound SA is kept.
inline constexpr std::chrono::milliseconds kOutboundDrain{100};

// Kernel::allocate_spi -> SpiAllocated.
struct AllocateSpi {
  StepId step = 0;
  SpiRequest request;
};
// Kernel::add_sa -> KernelDone.
struct AddSa {
  StepId step = 0;
  Sa sa;
};
// Kernel::update_sa, completing the larval SA of an allocated SPI -> KernelDone.
struct UpdateSa {
  StepId step = 0;
  Sa sa;
};
// Kernel::delete_sa -> KernelDone.
struct DeleteSa {
  StepId step = 0;
  SaId id;
};
// install_pair(inbound, outbound): the inbound SPI came from AllocateSpi (its larval SA is
// completed), the outbound SA is added; nothing stays half-installed -> KernelDone.
struct InstallPair {
  StepId step = 0;
  Sa inbound;
  Sa outbound;
};

// --- results ---
struct SpiAllocated {
  StepId step = 0;
  core::Result<std::uint32_t> spi;
};
struct KernelDone {
  StepId step = 0;
  core::Result<void> result;
};

[[nodiscard]] SpiAllocated perform(Kernel& kernel, const AllocateSpi& a);
[[nodiscard]] KernelDone perform(Kernel& kernel, const AddSa& a);
[[nodiscard]] KernelDone perform(Kernel& kernel, const UpdateSa& a);
[[nodiscard]] KernelDone perform(Kernel& kernel, const DeleteSa& a);
[[nodiscard]] KernelDone perform(Kernel& kernel, const InstallPair& a);

}  // namespace pqbranch::xfrm
