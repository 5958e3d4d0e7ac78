#include "fakes/xfrm/fake_under_test.hpp"

#include <gtest/gtest.h>

namespace pqbranch::test {

FakeUnderTest::FakeUnderTest(const FakeKernel::Options& options) : kernel_(clock_, options) {}

FakeKernel::Options FakeUnderTest::options(const KernelSetup& setup) {
  FakeKernel::Options o;
  o.ownership = setup.ownership;
  o.acquire_expiry = setup.larval_expiry;
  return o;
}

std::vector<xfrm::Event> FakeUnderTest::await_events(std::chrono::seconds limit) {
  for (std::chrono::seconds waited{0}; waited <= limit; ++waited) {
    kernel_.tick();
    auto events = kernel_.read_events();
    EXPECT_TRUE(events.has_value()) << events.error().message();
    if (events && !events->empty()) return std::move(*events);
    clock_.advance(std::chrono::seconds(1));
  }
  return {};
}

void FakeUnderTest::next_second() {
  clock_.advance(std::chrono::seconds(1));
}

void FakeUnderTest::send_outbound(const xfrm::Policy& policy) {
  const auto sa = kernel_.select_outbound(policy);
  if (!sa) return;  // the kernel would drop the packet and send an ACQUIRE
  EXPECT_TRUE(kernel_.account_traffic(sa->id(), 100, 1).has_value());
}

}  // namespace pqbranch::test
