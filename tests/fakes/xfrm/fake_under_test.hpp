#pragma once
// FakeKernel for the kernel contract: time is a ManualClock the contract moves, traffic is
// counted on the SA FakeKernel's outbound selection picks.

#include <memory>

#include "fakes/manual_clock.hpp"
#include "fakes/xfrm/fake_kernel.hpp"
#include "fakes/xfrm/kernel_under_test.hpp"

namespace pqbranch::test {

class FakeUnderTest final : public KernelUnderTest {
 public:
  explicit FakeUnderTest(const KernelSetup& setup) : FakeUnderTest(options(setup)) {}
  explicit FakeUnderTest(const FakeKernel::Options& options);
  static std::unique_ptr<KernelUnderTest> make(const KernelSetup& setup) {
    return std::make_unique<FakeUnderTest>(setup);
  }
  // The kernel's defaults with the setup's ownership and larval expiry.
  static FakeKernel::Options options(const KernelSetup& setup);

  xfrm::Kernel& kernel() override { return kernel_; }
  [[nodiscard]] std::string lacks(KernelCapability) const override { return {}; }
  std::vector<xfrm::Event> await_events(std::chrono::seconds limit) override;
  void next_second() override;
  void send_outbound(const xfrm::Policy& policy) override;

 private:
  ManualClock clock_;
  FakeKernel kernel_;
};

}  // namespace pqbranch::test
