// NetlinkKernel against a kernel with ESP, AES-GCM and xfrm interfaces: run inside the VM
// by scenarios/nl_route_mode.sh (the host kernel lacks all three, so this binary is not a
// CTest test of its own). Each test works in a namespace of its own (TestNetns). What the
// netns tests could only compare with `ip`'s failure is shown working here: real SAs in
// both directions, larval SAs completed and expired, install_pair's rollback, ownership.
#include <poll.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/netlink_kernel.hpp"

#include "fakes/test_netns.hpp"
#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::xfrm {
namespace {

using test::addr;
using test::TestNetns;

class RealKernel : public ::testing::Test {
 protected:
  void SetUp() override { open(Ownership{}); }
  void TearDown() override {
    kernel_.reset();
    ns_.reset();
  }
  void open(const Ownership& ownership) {
    kernel_.reset();
    if (!ns_) ns_ = TestNetns::create();
    ASSERT_NE(ns_, nullptr);
    auto k = ns_->run_inside([&] { return NetlinkKernel::create(ownership); });
    ASSERT_TRUE(k.has_value()) << k.error().message();
    kernel_ = std::move(*k);
  }
  std::string ip(const std::string& args) const {
    const auto r = ns_->sh("ip " + args);
    EXPECT_EQ(r.status, 0) << "ip " << args << ": " << r.output;
    return r.output;
  }
  static bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
  }
  // The next kernel events, waiting on event_fd for at most `seconds`.
  std::vector<Event> wait_events(int seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
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

  std::unique_ptr<TestNetns> ns_;
  std::unique_ptr<NetlinkKernel> kernel_;
};

TEST_F(RealKernel, AesGcmSasInstallInBothDirectionsWithEsn) {
  const Sa out = test::sample_sa(SaDirection::out, 0x1001, 1);
  Sa in = test::sample_sa(SaDirection::in, 0x2001, 2);
  in.replay_window = 4096;
  ASSERT_TRUE(kernel_->add_sa(out).has_value());
  const auto r = kernel_->add_sa(in);
  ASSERT_TRUE(r.has_value()) << r.error().message();

  const auto o = kernel_->get_sa(out.id());
  ASSERT_TRUE(o.has_value()) << o.error().message();
  EXPECT_EQ(o->algorithm, kAeadName);
  EXPECT_EQ(o->direction, SaDirection::out);
  EXPECT_TRUE(o->esn);
  EXPECT_EQ(o->replay_window, 0U);  // the kernel's rule for XFRMA_SA_DIR=out
  EXPECT_FALSE(o->larval);
  EXPECT_TRUE(o->owned);
  const auto i = kernel_->get_sa(in.id());
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(i->direction, SaDirection::in);
  EXPECT_TRUE(i->esn);
  EXPECT_EQ(i->replay_window, 4096U);

  const std::string state = ip("-s xfrm state");
  EXPECT_TRUE(contains(state, "aead rfc4106(gcm(aes))")) << state;
  EXPECT_TRUE(contains(state, "flag af-unspec esn")) << state;
  EXPECT_TRUE(contains(state, "dir out")) << state;
  EXPECT_TRUE(contains(state, "dir in")) << state;
  // ip prints the ESN window in the anti-replay context (its legacy field stays 0).
  EXPECT_TRUE(contains(state, "replay_window 4096, bitmap-length 128")) << state;
  EXPECT_TRUE(contains(state, "replay_window 0, bitmap-length 0")) << state;

  // NEWSA on an installed SPI, as on a larval one: already_exists.
  const auto dup = kernel_->add_sa(out);
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, errc::already_exists) << dup.error().message();
}

TEST_F(RealKernel, InstallPairCompletesALarvalHalf) {
  const auto spi = kernel_->allocate_spi(test::sample_spi_request(SaDirection::in));
  ASSERT_TRUE(spi.has_value());
  const Sa in = test::sample_sa(SaDirection::in, *spi, 1);
  const Sa out = test::sample_sa(SaDirection::out, 0x7001, 2);
  const auto r = install_pair(*kernel_, in, out, PairOptions{true, false});
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_FALSE(kernel_->get_sa(in.id())->larval);
  EXPECT_EQ(kernel_->get_sa(out.id())->algorithm, kAeadName);
}

TEST_F(RealKernel, InstallPairRollsBackWhenTheSecondHalfIsInvalid) {
  const Sa in = test::sample_sa(SaDirection::in, 0x7001, 1);
  Sa out = test::sample_sa(SaDirection::out, 0x7002, 2);
  out.aead_key = core::SecureBytes(std::size_t{16});  // not key + salt
  const auto r = install_pair(*kernel_, in, out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::invalid_parameter);
  EXPECT_TRUE(kernel_->list_sas()->empty());
  EXPECT_FALSE(contains(ip("xfrm state"), "0x00007001"));
}

TEST_F(RealKernel, UpdateSaChangesTheNatMappingOfAnInstalledSa) {
  Sa sa = test::sample_sa(SaDirection::in, 0x3001);
  sa.encap = Encap{kEncapEspInUdp, 4500, 4500, {}};
  ASSERT_TRUE(kernel_->add_sa(sa).has_value());
  sa.encap->src_port = 40001;  // what a MappingEvent reports
  const auto r = kernel_->update_sa(sa);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  const auto s = kernel_->get_sa(sa.id());
  ASSERT_TRUE(s.has_value());
  ASSERT_TRUE(s->encap.has_value());
  EXPECT_EQ(s->encap->src_port, 40001);
  EXPECT_EQ(s->encap->dst_port, 4500);
  EXPECT_TRUE(contains(ip("xfrm state"), "encap type espinudp sport 40001 dport 4500"));
}

TEST_F(RealKernel, FlushOwnedKeepsAForeignSaAndPolicy) {
  ip("xfrm state add src 192.0.2.1 dst 198.51.100.9 proto esp spi 0x5001 reqid 1 mode tunnel "
     "aead 'rfc4106(gcm(aes))' 0x" +
     std::string(72, '5') + " 128");
  ip("xfrm policy add src 10.8.0.0/16 dst 10.9.0.0/16 dir out tmpl src 192.0.2.1 "
     "dst 198.51.100.9 proto esp reqid 1 mode tunnel");
  ASSERT_TRUE(install_pair(*kernel_, test::sample_sa(SaDirection::in, 0x1001),
                           test::sample_sa(SaDirection::out, 0x2001))
                  .has_value());
  for (const auto dir : {PolicyDirection::out, PolicyDirection::in, PolicyDirection::fwd}) {
    ASSERT_TRUE(kernel_->add_policy(test::sample_policy(dir)).has_value());
  }
  const auto report = kernel_->flush_owned();
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_EQ(report->sas_deleted, 2U);
  EXPECT_EQ(report->policies_deleted, 3U);
  const std::string states = ip("xfrm state");
  EXPECT_TRUE(contains(states, "spi 0x00005001 reqid 1 mode tunnel")) << states;
  EXPECT_FALSE(contains(states, "0x00001001")) << states;
  EXPECT_FALSE(contains(states, "0x00002001")) << states;
  const std::string policies = ip("xfrm policy");
  EXPECT_TRUE(contains(policies, "src 10.8.0.0/16 dst 10.9.0.0/16")) << policies;
  EXPECT_FALSE(contains(policies, "10.1.0.0/16")) << policies;
}

TEST_F(RealKernel, XfrmInterfaceIsCreatedAndDeleted) {
  const auto r = kernel_->create_xfrm_interface(XfrmInterface{"pqb0", 42, "lo"});
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_TRUE(contains(ip("-d link show pqb0"), "xfrm if_id 0x2a")) << ip("-d link show pqb0");
  const auto again = kernel_->create_xfrm_interface(XfrmInterface{"pqb0", 42, "lo"});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, errc::already_exists) << again.error().message();
  ASSERT_TRUE(kernel_->delete_xfrm_interface("pqb0").has_value());
  EXPECT_NE(ns_->sh("ip link show pqb0").status, 0);
}

}  // namespace
}  // namespace pqbranch::xfrm
