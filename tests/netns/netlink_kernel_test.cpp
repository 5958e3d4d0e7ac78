// NetlinkKernel against the host kernel, each test in a namespace of its own. This kernel
// has XFRM but (on our machines) no ESP, no GCM and no xfrm interfaces: what needs those is
// compared with what `ip` gets from the same kernel, and proven for real in the VM tests.
#include "pqbranch/xfrm/netlink_kernel.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pqbranch/xfrm/errc.hpp"

#include "fakes/test_netns.hpp"
#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::xfrm {
namespace {

using test::addr;
using test::prefix;
using test::TestNetns;

class NetlinkKernelNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = TestNetns::create();
    ASSERT_NE(ns_, nullptr);
    auto k = ns_->run_inside([] { return NetlinkKernel::create(Ownership{}); });
    ASSERT_TRUE(k.has_value()) << k.error().message();
    kernel_ = std::move(*k);
  }
  void TearDown() override {
    kernel_.reset();  // close the sockets before the namespace goes
    ns_.reset();
  }
  std::string ip(const std::string& args) const {
    const auto r = ns_->sh("ip " + args);
    EXPECT_EQ(r.status, 0) << "ip " << args << ": " << r.output;
    return r.output;
  }
  static bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
  }

  std::unique_ptr<TestNetns> ns_;
  std::unique_ptr<NetlinkKernel> kernel_;
};

TEST_F(NetlinkKernelNetns, AesGcmSaAddFailsAsIpDoesWithATypedError) {
  const Sa sa = test::sample_sa(SaDirection::out, 0x4242);
  const auto reference = ns_->sh(
      "ip xfrm state add src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x4243 reqid 1 mode "
      "tunnel aead 'rfc4106(gcm(aes))' 0x" +
      std::string(72, '1') + " 128");
  const auto r = kernel_->add_sa(sa);
  if (reference.status == 0) {  // a kernel with ESP and GCM: then ours must work too
    EXPECT_TRUE(r.has_value()) << r.error().message();
    return;
  }
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::not_supported) << r.error().message();
  // The operation, the errno text and the kernel's own explanation, as `ip` printed it.
  EXPECT_TRUE(contains(reference.output, "Requested AEAD algorithm not found")) << reference.output;
  EXPECT_EQ(r.error().detail,
            "add SA spi 0x00004242 dst 198.51.100.2: Function not implemented (Requested AEAD "
            "algorithm not found)");
  // Nothing was left behind.
  EXPECT_FALSE(contains(ip("xfrm state"), "0x00004242"));
}

TEST_F(NetlinkKernelNetns, PoliciesRoundTripThroughTheKernel) {
  Policy out = test::sample_policy(PolicyDirection::out);
  out.if_id = 42;
  out.mark = Mark{0x10, 0xff};
  Policy in = test::sample_policy(PolicyDirection::in);
  Policy fwd = test::sample_policy(PolicyDirection::fwd);
  fwd.selector.proto = 17;
  fwd.selector.dst_port = 53;
  for (const Policy* p : {&out, &in, &fwd}) {
    const auto r = kernel_->add_policy(*p);
    ASSERT_TRUE(r.has_value()) << r.error().message();
  }
  const std::string text = ip("xfrm policy");
  EXPECT_TRUE(contains(text, "src 10.1.0.0/16 dst 10.2.0.0/16")) << text;
  EXPECT_TRUE(contains(text, "dir out priority 1000")) << text;
  EXPECT_TRUE(contains(text, "dir fwd priority 1000")) << text;
  EXPECT_TRUE(contains(text, fmt::format("proto esp reqid {} mode tunnel", test::kSampleReqid)))
      << text;
  EXPECT_TRUE(contains(text, "if_id 0x2a")) << text;
  EXPECT_TRUE(contains(text, "mark 0x10/0xff")) << text;

  const auto listed = kernel_->list_policies();
  ASSERT_TRUE(listed.has_value()) << listed.error().message();
  ASSERT_EQ(listed->size(), 3U);
  for (const Policy* p : {&out, &in, &fwd}) {
    const auto it = std::find_if(listed->begin(), listed->end(),
                                 [&](const PolicyState& s) { return s.policy == *p; });
    ASSERT_NE(it, listed->end()) << to_string(id_of(*p));
    EXPECT_TRUE(it->owned);
  }

  const auto dup = kernel_->add_policy(out);
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, errc::already_exists);
  EXPECT_TRUE(contains(dup.error().detail, "add policy out 10.1.0.0/16 -> 10.2.0.0/16"));
  EXPECT_TRUE(contains(dup.error().detail, "File exists"));

  out.priority = 7;
  ASSERT_TRUE(kernel_->update_policy(out).has_value());
  EXPECT_TRUE(contains(ip("xfrm policy"), "dir out priority 7"));

  ASSERT_TRUE(kernel_->delete_policy(id_of(out)).has_value());
  ASSERT_TRUE(kernel_->delete_policy(id_of(in)).has_value());
  ASSERT_TRUE(kernel_->delete_policy(id_of(fwd)).has_value());
  EXPECT_EQ(kernel_->delete_policy(id_of(fwd)).error().code, errc::not_found);
  EXPECT_TRUE(kernel_->list_policies()->empty());
}

TEST_F(NetlinkKernelNetns, FlushOwnedLeavesForeignStateUntouched) {
  // Another daemon's state, installed with ip: reqid 1 (outside our range).
  ip("xfrm policy add src 10.8.0.0/16 dst 10.9.0.0/16 dir out priority 500 tmpl src 192.0.2.1 "
     "dst 198.51.100.9 proto esp reqid 1 mode tunnel");
  ip("xfrm state allocspi src 192.0.2.1 dst 198.51.100.9 proto esp reqid 1 mode tunnel "
     "min 0x100 max 0x1ff");
  // Ours.
  ASSERT_TRUE(kernel_->add_policy(test::sample_policy(PolicyDirection::out)).has_value());
  ASSERT_TRUE(kernel_->add_policy(test::sample_policy(PolicyDirection::in)).has_value());
  ASSERT_TRUE(kernel_->allocate_spi(test::sample_spi_request(SaDirection::in)).has_value());

  const auto sas = kernel_->list_sas();
  ASSERT_TRUE(sas.has_value());
  ASSERT_EQ(sas->size(), 2U);
  EXPECT_EQ(std::count_if(sas->begin(), sas->end(), [](const SaState& s) { return s.owned; }), 1);

  const auto report = kernel_->flush_owned();
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_EQ(report->sas_deleted, 1U);
  EXPECT_EQ(report->policies_deleted, 2U);

  const std::string policies = ip("xfrm policy");
  EXPECT_TRUE(contains(policies, "src 10.8.0.0/16 dst 10.9.0.0/16")) << policies;
  EXPECT_FALSE(contains(policies, "10.1.0.0/16")) << policies;
  const std::string states = ip("xfrm state");
  EXPECT_TRUE(contains(states, "reqid 1 mode tunnel")) << states;
  EXPECT_FALSE(contains(states, std::to_string(test::kSampleReqid))) << states;
}

TEST_F(NetlinkKernelNetns, XfrmInterfaceFailsAsIpDoesAndOnlyXfrmDevicesAreDeleted) {
  const auto reference = ns_->sh("ip link add pqbref0 type xfrm if_id 41");
  const auto r = kernel_->create_xfrm_interface(XfrmInterface{"pqb0", 42, "lo"});
  if (reference.status == 0) {
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(contains(ip("-d link show pqb0"), "xfrm if_id 0x2a"));
    ASSERT_TRUE(kernel_->delete_xfrm_interface("pqb0").has_value());
  } else {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::not_supported) << r.error().message();
    EXPECT_TRUE(contains(reference.output, "Unknown device type")) << reference.output;
    EXPECT_EQ(r.error().detail,
              "create xfrm interface pqb0 (if_id 42): Operation not supported (Unknown device "
              "type)");
  }
  const auto lo = kernel_->delete_xfrm_interface("lo");
  ASSERT_FALSE(lo.has_value());
  EXPECT_EQ(lo.error().code, errc::invalid_parameter);
  EXPECT_TRUE(contains(lo.error().detail, "not an xfrm interface"));
  EXPECT_EQ(kernel_->delete_xfrm_interface("nosuchdev").error().code, errc::not_found);
  const auto missing = kernel_->create_xfrm_interface(XfrmInterface{"pqb1", 43, "nosuchdev"});
  EXPECT_EQ(missing.error().code, errc::not_found);
}

TEST_F(NetlinkKernelNetns, TrafficWithoutAnSaRaisesAnAcquireEvent) {
  // Loopback skips IPsec by default; let its packets meet the policy.
  const auto lo =
      ns_->sh("sysctl -qw net.ipv4.conf.lo.disable_xfrm=0 net.ipv4.conf.lo.disable_policy=0");
  ASSERT_EQ(lo.status, 0) << lo.output;
  Policy p = test::sample_policy(PolicyDirection::out);
  p.selector = Selector{prefix("127.0.0.1/32"), prefix("127.0.0.1/32"), IPPROTO_UDP, 0, 5555};
  ASSERT_TRUE(kernel_->add_policy(p).has_value());
  ns_->run_inside([] {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(5555);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const char msg[] = "x";
    // Dropped (no SA yet); what matters is the kernel asking for one.
    (void)::sendto(fd, msg, sizeof(msg), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
    ::close(fd);
  });
  std::vector<Event> events;
  for (int round = 0; round < 5 && events.empty(); ++round) {
    pollfd pfd{kernel_->event_fd(), POLLIN, 0};
    ASSERT_GE(::poll(&pfd, 1, 1000), 0);
    auto e = kernel_->read_events();
    ASSERT_TRUE(e.has_value()) << e.error().message();
    events = std::move(*e);
  }
  ASSERT_FALSE(events.empty());
  const auto* a = std::get_if<AcquireEvent>(&events[0]);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->reqid, test::kSampleReqid);
  EXPECT_EQ(a->src, addr("192.0.2.1"));
  EXPECT_EQ(a->dst, addr("198.51.100.2"));
  EXPECT_EQ(a->selector.dst, prefix("127.0.0.1/32"));
  EXPECT_EQ(a->selector.dst_port, 5555);
  EXPECT_EQ(a->selector.proto, IPPROTO_UDP);
  EXPECT_EQ(a->direction, PolicyDirection::out);
  EXPECT_TRUE(a->owned);
}

}  // namespace
}  // namespace pqbranch::xfrm
