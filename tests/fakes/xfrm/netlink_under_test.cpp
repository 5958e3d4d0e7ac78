#include "fakes/xfrm/netlink_under_test.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace pqbranch::test {
namespace {

// The first host address of an IPv4 prefix ("10.2.0.0/16" -> 10.2.0.1).
core::IpAddress first_host(const core::IpPrefix& p) {
  std::array<std::uint8_t, 4> b{};
  std::memcpy(b.data(), p.address().bytes().data(), b.size());
  b[3] = static_cast<std::uint8_t>(b[3] | 1U);
  return core::IpAddress::v4(b);
}

}  // namespace

std::unique_ptr<KernelUnderTest> NetlinkUnderTest::make(const KernelSetup& setup) {
  std::unique_ptr<NetlinkUnderTest> t(new NetlinkUnderTest());
  t->ns_ = TestNetns::create();
  if (!t->ns_) return nullptr;
  const auto sysctl = t->ns_->sh(
      fmt::format("sysctl -qw net.core.xfrm_acq_expires={}", setup.larval_expiry.count()));
  EXPECT_EQ(sysctl.status, 0) << sysctl.output;
  // Probe: an AEAD SA as `ip` adds it, removed again at once.
  const auto probe = t->ns_->sh(
      "ip xfrm state add src 203.0.113.1 dst 203.0.113.2 proto esp spi 0x77 reqid 1 mode "
      "tunnel aead 'rfc4106(gcm(aes))' 0x" +
      std::string(72, '1') + " 128 && ip xfrm state flush");
  if (probe.status != 0) {
    t->no_keyed_sas_ = "this kernel cannot install an ESP rfc4106(gcm(aes)) SA (`ip` fails: " +
                       probe.output.substr(0, probe.output.find('\n')) + ")";
  }
  auto k = t->ns_->run_inside([&] { return xfrm::NetlinkKernel::create(setup.ownership); });
  if (!k) {
    ADD_FAILURE() << k.error().message();
    return nullptr;
  }
  t->kernel_ = std::move(*k);
  return t;
}

NetlinkUnderTest::~NetlinkUnderTest() {
  kernel_.reset();  // close the sockets before the namespace goes
  ns_.reset();
}

std::string NetlinkUnderTest::lacks(KernelCapability capability) const {
  switch (capability) {
    case KernelCapability::keyed_sas:
    case KernelCapability::outbound_traffic:
      return no_keyed_sas_;
  }
  return {};
}

std::vector<xfrm::Event> NetlinkUnderTest::await_events(std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{kernel_->event_fd(), POLLIN, 0};
    if (::poll(&p, 1, 200) > 0) {
      auto e = kernel_->read_events();
      EXPECT_TRUE(e.has_value()) << e.error().message();
      if (e && !e->empty()) return std::move(*e);
    }
  }
  return {};
}

void NetlinkUnderTest::next_second() {
  // The kernel keeps add times in whole wall-clock seconds: wait for the next one.
  const auto now = std::chrono::system_clock::now();
  std::this_thread::sleep_until(std::chrono::floor<std::chrono::seconds>(now) +
                                std::chrono::seconds(1) + std::chrono::milliseconds(20));
}

void NetlinkUnderTest::send_outbound(const xfrm::Policy& policy) {
  ASSERT_FALSE(policy.templates.empty());
  const auto& t = policy.templates.front();
  const core::IpAddress from = first_host(policy.selector.src);
  const core::IpAddress to = first_host(policy.selector.dst);
  // Loopback skips IPsec by default; let its packets meet the policy, and give the inner
  // and outer addresses routes (the outer packet leaves through lo and is dropped there).
  const auto setup = ns_->sh(fmt::format(
      "sysctl -qw net.ipv4.conf.lo.disable_xfrm=0 net.ipv4.conf.lo.disable_policy=0 && "
      "ip link set lo up && ip addr replace {}/32 dev lo && ip addr replace {}/32 dev lo && "
      "ip route replace {}/{} dev lo src {} && ip route replace {}/32 dev lo",
      from, t.src, policy.selector.dst.address(), policy.selector.dst.length(), from, t.dst));
  ASSERT_EQ(setup.status, 0) << setup.output;
  ns_->run_inside([&] {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(9);
    std::memcpy(&dst.sin_addr, to.bytes().data(), 4);
    const char msg[] = "contract";
    (void)::sendto(fd, msg, sizeof(msg), 0, reinterpret_cast<const sockaddr*>(&dst), sizeof(dst));
    ::close(fd);
  });
}

}  // namespace pqbranch::test
