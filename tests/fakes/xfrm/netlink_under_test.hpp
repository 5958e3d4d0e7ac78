#pragma once
// NetlinkKernel for the kernel contract, in a network namespace of the test's own: the host
// kernel in the netns label, the real-ESP kernel in the VM. Capabilities are probed with
// `ip` against the same kernel (an AEAD SA that `ip` cannot add either is a missing kernel
// feature, not a NetlinkKernel bug).

#include <memory>
#include <string>

#include "pqbranch/xfrm/netlink_kernel.hpp"

#include "fakes/test_netns.hpp"
#include "fakes/xfrm/kernel_under_test.hpp"

namespace pqbranch::test {

class NetlinkUnderTest final : public KernelUnderTest {
 public:
  // nullptr (and a gtest failure) when the namespace or the kernel cannot be opened.
  static std::unique_ptr<KernelUnderTest> make(const KernelSetup& setup);
  ~NetlinkUnderTest() override;

  xfrm::Kernel& kernel() override { return *kernel_; }
  [[nodiscard]] std::string lacks(KernelCapability capability) const override;
  std::vector<xfrm::Event> await_events(std::chrono::seconds limit) override;
  void next_second() override;
  // IPv4: from the first host of the selector's source to the first host of its
  // destination, UDP; addresses and routes on lo are set up for it.
  void send_outbound(const xfrm::Policy& policy) override;

 private:
  NetlinkUnderTest() = default;

  std::unique_ptr<TestNetns> ns_;
  std::unique_ptr<xfrm::NetlinkKernel> kernel_;
  std::string no_keyed_sas_;  // why not, empty when the kernel has ESP and GCM
};

}  // namespace pqbranch::test
