// The kernel contract against NetlinkKernel on the VM's kernel, which has ESP, AES-GCM and
// xfrm interfaces: no case may be skipped here (scenarios/nl_route_mode.sh fails on skips).
#include "fakes/xfrm/kernel_contract.hpp"

#include "fakes/xfrm/netlink_under_test.hpp"

namespace pqbranch::test {
INSTANTIATE_TYPED_TEST_SUITE_P(VmNetlink, KernelContract, NetlinkUnderTest);
}  // namespace pqbranch::test
