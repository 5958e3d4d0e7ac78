// The kernel contract against NetlinkKernel on the host kernel (tests/fakes/xfrm/
// kernel_contract.hpp). Cases needing ESP with AES-GCM are skipped here with the reason and
// run in the VM (tests/vm/kernel_tests).
#include "fakes/xfrm/kernel_contract.hpp"

#include "fakes/xfrm/netlink_under_test.hpp"

namespace pqbranch::test {
INSTANTIATE_TYPED_TEST_SUITE_P(HostNetlink, KernelContract, NetlinkUnderTest);
}  // namespace pqbranch::test
