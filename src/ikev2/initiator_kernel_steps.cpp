#include "pqbranch/ikev2/initiator_kernel_steps.hpp"

namespace pqbranch::ikev2 {

SpiAllocated perform(xfrm::Kernel& kernel, const AllocateSpi& a) {
  return {a.step, kernel.allocate_spi(a.request)};
}

KernelDone perform(xfrm::Kernel& kernel, const InstallPair& a) {
  // The inbound SPI came from AllocateSpi: its larval SA is completed.
  return {a.step, xfrm::install_pair(kernel, a.inbound, a.outbound, {.first_is_larval = true})};
}

KernelDone perform(xfrm::Kernel& kernel, const DeleteSa& a) {
  return {a.step, kernel.delete_sa(a.id)};
}

}  // namespace pqbranch::ikev2
