// The kernel contract against FakeKernel (tests/fakes/xfrm/kernel_contract.hpp).
#include "fakes/xfrm/kernel_contract.hpp"

#include "fakes/xfrm/fake_under_test.hpp"

namespace pqbranch::test {
namespace {

// FakeKernel as the rotation simulator runs it (random SPIs, oldest first on an add-time
// tie): those options must not take it outside the contract either.
struct FakeAsInTheRotationHarness {
  static std::unique_ptr<KernelUnderTest> make(const KernelSetup& setup) {
    FakeKernel::Options o = FakeUnderTest::options(setup);
    o.outbound_tie = FakeKernel::TieBreak::oldest_first;
    o.spi_seed = 32;
    return std::make_unique<FakeUnderTest>(o);
  }
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Fake, KernelContract, FakeUnderTest);
INSTANTIATE_TYPED_TEST_SUITE_P(FakeHarnessOptions, KernelContract, FakeAsInTheRotationHarness);
}  // namespace pqbranch::test
