#include "pqbranch/xfrm/kernel_steps.hpp"

namespace pqbranch::xfrm {

SpiAllocated perform(Kernel& kernel, const AllocateSpi& a) {
  return {a.step, kernel.allocate_spi(a.request)};
}

KernelDone perform(Kernel& kernel, const AddSa& a) {
  return {a.step, kernel.add_sa(a.sa)};
}

KernelDone perform(Kernel& kernel, const UpdateSa& a) {
  return {a.step, kernel.update_sa(a.sa)};
}

KernelDone perform(Kernel& kernel, const DeleteSa& a) {
  return {a.step, kernel.delete_sa(a.id)};
}

KernelDone perform(Kernel& kernel, const InstallPair& a) {
  return {a.step, install_pair(kernel, a.inbound, a.outbound, {.first_is_larval = true})};
}

}  // namespace pqbranch::xfrm
