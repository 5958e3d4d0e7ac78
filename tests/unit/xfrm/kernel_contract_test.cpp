// The kernel contract against FakeKernel (tests/fakes/xfrm/kernel_contract.hpp).
#include "fakes/xfrm/kernel_contract.hpp"

#include "fakes/xfrm/fake_under_test.hpp"

namespace pqbranch::test {
INSTANTIATE_TYPED_TEST_SUITE_P(Fake, KernelContract, FakeUnderTest);
}  // namespace pqbranch::test
