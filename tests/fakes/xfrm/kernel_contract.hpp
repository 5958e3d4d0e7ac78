#pragma once
// The xfrm::Kernel contract: the observable behaviour pqbranch relies on, written once and
// instantiated per implementation (FakeKernel in unit, NetlinkKernel on the host kernel in
// netns, NetlinkKernel on the real-ESP kernel in the VM). The real kernel decides: when a
// case fails against NetlinkKernel in the VM, the fake is what must change.
// Include in exactly one test file per binary, then:
//   INSTANTIATE_TYPED_TEST_SUITE_P(Fake, KernelContract, FakeUnderTest);
// where the type has `static std::unique_ptr<KernelUnderTest> make(const KernelSetup&)`.
// Cases needing what a kernel lacks (kernel_under_test.hpp) are skipped with its reason.

#include <algorithm>
#include <variant>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pqbranch/xfrm/errc.hpp"

#include "fakes/xfrm/kernel_under_test.hpp"
#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::test {

template <class Impl>
class KernelContract : public ::testing::Test {
 protected:
  void SetUp() override { open(KernelSetup{}); }
  void open(const KernelSetup& setup) {
    under_ = Impl::make(setup);
    ASSERT_NE(under_, nullptr);
  }
  xfrm::Kernel& kernel() { return under_->kernel(); }
  // Empty when the case can run.
  std::string lacks(KernelCapability c) const { return under_->lacks(c); }
  std::uint64_t packets(const xfrm::Sa& sa) {
    const auto s = kernel().get_sa(sa.id());
    EXPECT_TRUE(s.has_value()) << s.error().message();
    return s ? s->current.packets : 0;
  }
  std::unique_ptr<KernelUnderTest> under_;
};

TYPED_TEST_SUITE_P(KernelContract);

#define PQB_REQUIRE(capability)                                                             \
  do {                                                                                      \
    if (const std::string why = this->lacks(capability); !why.empty()) GTEST_SKIP() << why; \
  } while (false)

TYPED_TEST_P(KernelContract, AllocateSpiReservesDistinctSpisInRangeWithLarvalSas) {
  xfrm::SpiRequest r = sample_spi_request(xfrm::SaDirection::in);
  r.if_id = 7;
  const auto spi = this->kernel().allocate_spi(r);
  ASSERT_TRUE(spi.has_value()) << spi.error().message();
  EXPECT_GE(*spi, r.min_spi);
  EXPECT_LE(*spi, r.max_spi);
  const auto got = this->kernel().get_sa(xfrm::SaId{r.dst, *spi, xfrm::Proto::esp, 0, 0});
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_TRUE(got->larval);
  EXPECT_TRUE(got->owned);
  EXPECT_EQ(got->src, r.src);
  EXPECT_EQ(got->reqid, r.reqid);
  EXPECT_EQ(got->if_id, 7U);
  EXPECT_EQ(got->direction, xfrm::SaDirection::in);
  EXPECT_GT(got->current.add_time.time_since_epoch().count(), 0);
  const auto spi2 = this->kernel().allocate_spi(r);
  ASSERT_TRUE(spi2.has_value()) << spi2.error().message();
  EXPECT_NE(*spi2, *spi);
  const auto listed = this->kernel().list_sas();
  ASSERT_TRUE(listed.has_value()) << listed.error().message();
  EXPECT_EQ(listed->size(), 2U);
}

TYPED_TEST_P(KernelContract, UnknownSpiIsNotFoundForGetAndDelete) {
  const xfrm::SaId id = sample_sa(xfrm::SaDirection::in, 0x4711).id();
  const auto got = this->kernel().get_sa(id);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, xfrm::errc::not_found);
  EXPECT_EQ(got.error().detail, "get SA spi 0x00004711 dst 192.0.2.1: No such process");
  const auto del = this->kernel().delete_sa(id);
  ASSERT_FALSE(del.has_value());
  EXPECT_EQ(del.error().code, xfrm::errc::not_found);
}

TYPED_TEST_P(KernelContract, InvalidParametersAreRefusedBeforeTheKernelIsAsked) {
  xfrm::SpiRequest r = sample_spi_request(xfrm::SaDirection::in);
  r.min_spi = 0x2000;
  r.max_spi = 0x1000;
  const auto spi = this->kernel().allocate_spi(r);
  ASSERT_FALSE(spi.has_value());
  EXPECT_EQ(spi.error().code, xfrm::errc::invalid_parameter);
  xfrm::Policy p = sample_policy(xfrm::PolicyDirection::out);
  p.templates.front().dst = addr("2001:db8::2");  // the other family than its source
  EXPECT_EQ(this->kernel().add_policy(p).error().code, xfrm::errc::invalid_parameter);
  EXPECT_TRUE(this->kernel().list_sas()->empty());
  EXPECT_TRUE(this->kernel().list_policies()->empty());
}

TYPED_TEST_P(KernelContract, DuplicatePolicyIsAlreadyExistsAndUpdatePolicyReplacesIt) {
  xfrm::Policy out = sample_policy(xfrm::PolicyDirection::out);
  ASSERT_TRUE(this->kernel().add_policy(out).has_value());
  const auto dup = this->kernel().add_policy(out);
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, xfrm::errc::already_exists);
  out.priority = 7;
  ASSERT_TRUE(this->kernel().update_policy(out).has_value());
  const auto listed = this->kernel().list_policies();
  ASSERT_TRUE(listed.has_value()) << listed.error().message();
  ASSERT_EQ(listed->size(), 1U);
  EXPECT_EQ(listed->front().policy.priority, 7U);
  EXPECT_TRUE(listed->front().owned);
  ASSERT_TRUE(this->kernel().delete_policy(xfrm::id_of(out)).has_value());
  EXPECT_EQ(this->kernel().delete_policy(xfrm::id_of(out)).error().code, xfrm::errc::not_found);
}

TYPED_TEST_P(KernelContract, OwnershipMarksAndFlushesOnlyOurReqids) {
  // Another daemon's state in the same kernel: reqid 1, outside our range.
  xfrm::SpiRequest foreign = sample_spi_request(xfrm::SaDirection::in);
  foreign.reqid = 1;
  xfrm::Policy foreign_policy = sample_policy(xfrm::PolicyDirection::out);
  foreign_policy.selector.dst = prefix("10.9.0.0/16");
  foreign_policy.templates.front().reqid = 1;
  ASSERT_TRUE(this->kernel().allocate_spi(foreign).has_value());
  ASSERT_TRUE(this->kernel().add_policy(foreign_policy).has_value());
  ASSERT_TRUE(this->kernel().allocate_spi(sample_spi_request(xfrm::SaDirection::in)).has_value());
  ASSERT_TRUE(this->kernel().add_policy(sample_policy(xfrm::PolicyDirection::out)).has_value());
  ASSERT_TRUE(this->kernel().add_policy(sample_policy(xfrm::PolicyDirection::in)).has_value());

  const auto sas = this->kernel().list_sas();
  ASSERT_TRUE(sas.has_value()) << sas.error().message();
  ASSERT_EQ(sas->size(), 2U);
  for (const auto& s : *sas)
    EXPECT_EQ(s.owned, s.reqid == kSampleReqid);
  const auto report = this->kernel().flush_owned();
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_EQ(report->sas_deleted, 1U);
  EXPECT_EQ(report->policies_deleted, 2U);
  const auto left = this->kernel().list_sas();
  ASSERT_EQ(left->size(), 1U);
  EXPECT_EQ(left->front().reqid, 1U);
  EXPECT_FALSE(left->front().owned);
  const auto policies = this->kernel().list_policies();
  ASSERT_EQ(policies->size(), 1U);
  EXPECT_EQ(policies->front().policy, foreign_policy);
}

TYPED_TEST_P(KernelContract, RouteModeOwnershipAlsoNeedsTheIfId) {
  KernelSetup route;
  route.ownership.if_id = 0x10;
  this->open(route);
  xfrm::SpiRequest ours = sample_spi_request(xfrm::SaDirection::in);
  ours.if_id = 0x10;
  xfrm::SpiRequest other = ours;  // our reqid range, another if_id
  other.if_id = 0x20;
  const auto ours_spi = this->kernel().allocate_spi(ours);
  const auto other_spi = this->kernel().allocate_spi(other);
  ASSERT_TRUE(ours_spi.has_value() && other_spi.has_value());
  const auto report = this->kernel().flush_owned();
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_EQ(report->sas_deleted, 1U);
  const auto left = this->kernel().list_sas();
  ASSERT_EQ(left->size(), 1U);
  EXPECT_EQ(left->front().spi, *other_spi);
  EXPECT_FALSE(left->front().owned);
}

TYPED_TEST_P(KernelContract, UncompletedLarvalSaEndsWithAHardExpireEvent) {
  this->open(KernelSetup{xfrm::Ownership{}, std::chrono::seconds(1)});
  const auto spi = this->kernel().allocate_spi(sample_spi_request(xfrm::SaDirection::in));
  ASSERT_TRUE(spi.has_value()) << spi.error().message();
  const auto events = this->under_->await_events(std::chrono::seconds(10));
  ASSERT_EQ(events.size(), 1U);
  const auto* x = std::get_if<xfrm::ExpireEvent>(&events[0]);
  ASSERT_NE(x, nullptr);
  EXPECT_TRUE(x->hard);
  EXPECT_EQ(x->id.spi, *spi);
  EXPECT_EQ(x->reqid, kSampleReqid);
  EXPECT_TRUE(x->owned);
  EXPECT_EQ(this->kernel().get_sa(x->id).error().code, xfrm::errc::not_found);
}

TYPED_TEST_P(KernelContract, UpdateSaAfterTheLarvalSaExpiredIsNotFound) {
  PQB_REQUIRE(KernelCapability::keyed_sas);
  this->open(KernelSetup{xfrm::Ownership{}, std::chrono::seconds(1)});
  const auto spi = this->kernel().allocate_spi(sample_spi_request(xfrm::SaDirection::in));
  ASSERT_TRUE(spi.has_value()) << spi.error().message();
  ASSERT_EQ(this->under_->await_events(std::chrono::seconds(10)).size(), 1U);
  const auto upd = this->kernel().update_sa(sample_sa(xfrm::SaDirection::in, *spi));
  ASSERT_FALSE(upd.has_value());
  EXPECT_EQ(upd.error().code, xfrm::errc::not_found) << upd.error().message();
  EXPECT_EQ(upd.error().detail,
            fmt::format("update SA spi 0x{:08x} dst 192.0.2.1: No such process", *spi));
}

TYPED_TEST_P(KernelContract, LarvalSpiRefusesAddSaAndUpdateSaCompletesIt) {
  PQB_REQUIRE(KernelCapability::keyed_sas);
  const auto spi = this->kernel().allocate_spi(sample_spi_request(xfrm::SaDirection::in));
  ASSERT_TRUE(spi.has_value()) << spi.error().message();
  const xfrm::Sa sa = sample_sa(xfrm::SaDirection::in, *spi, 7);
  const auto add = this->kernel().add_sa(sa);
  ASSERT_FALSE(add.has_value());
  EXPECT_EQ(add.error().code, xfrm::errc::already_exists) << add.error().message();
  EXPECT_NE(add.error().detail.find("File exists"), std::string::npos) << add.error().detail;
  const auto upd = this->kernel().update_sa(sa);
  ASSERT_TRUE(upd.has_value()) << upd.error().message();
  const auto done = this->kernel().get_sa(sa.id());
  ASSERT_TRUE(done.has_value()) << done.error().message();
  EXPECT_FALSE(done->larval);
  EXPECT_EQ(done->algorithm, xfrm::kAeadName);
  EXPECT_EQ(done->direction, xfrm::SaDirection::in);
  EXPECT_EQ(done->replay_window, xfrm::kMinReplayWindow);
}

TYPED_TEST_P(KernelContract, UpdateSaOfAnUnknownSpiIsNotFound) {
  PQB_REQUIRE(KernelCapability::keyed_sas);
  const auto upd = this->kernel().update_sa(sample_sa(xfrm::SaDirection::in, 0x4712));
  ASSERT_FALSE(upd.has_value());
  EXPECT_EQ(upd.error().code, xfrm::errc::not_found) << upd.error().message();
}

TYPED_TEST_P(KernelContract, AddSaOnAnInstalledSpiIsAlreadyExists) {
  PQB_REQUIRE(KernelCapability::keyed_sas);
  const xfrm::Sa sa = sample_sa(xfrm::SaDirection::out, 0x1001);
  ASSERT_TRUE(this->kernel().add_sa(sa).has_value());
  const auto dup = this->kernel().add_sa(sample_sa(xfrm::SaDirection::out, 0x1001, 9));
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, xfrm::errc::already_exists) << dup.error().message();
  ASSERT_TRUE(this->kernel().delete_sa(sa.id()).has_value());
  EXPECT_TRUE(this->kernel().list_sas()->empty());
}

TYPED_TEST_P(KernelContract, InstallPairRollsBackTheFirstHalfWhenTheSecondIsRefused) {
  PQB_REQUIRE(KernelCapability::keyed_sas);
  xfrm::Sa foreign = sample_sa(xfrm::SaDirection::out, 0x7002, 3);
  foreign.reqid = 1;  // another daemon's SA holds the second half's (dst, SPI)
  ASSERT_TRUE(this->kernel().add_sa(foreign).has_value());
  const xfrm::Sa in = sample_sa(xfrm::SaDirection::in, 0x7001, 1);
  const xfrm::Sa out = sample_sa(xfrm::SaDirection::out, 0x7002, 2);
  const auto r = xfrm::install_pair(this->kernel(), in, out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, xfrm::errc::already_exists) << r.error().message();
  EXPECT_EQ(this->kernel().get_sa(in.id()).error().code, xfrm::errc::not_found);
  const auto kept = this->kernel().get_sa(out.id());
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->reqid, 1U);
  EXPECT_FALSE(kept->owned);
  EXPECT_EQ(this->kernel().list_sas()->size(), 1U);
}

TYPED_TEST_P(KernelContract, UpdateSaMovesTheNatMappingOfAnInstalledSa) {
  PQB_REQUIRE(KernelCapability::keyed_sas);
  xfrm::Sa sa = sample_sa(xfrm::SaDirection::in, 0x3001);
  sa.encap = xfrm::Encap{xfrm::kEncapEspInUdp, 4500, 4500, {}};
  ASSERT_TRUE(this->kernel().add_sa(sa).has_value());
  sa.encap->src_port = 40001;  // what a MappingEvent reports
  const auto r = this->kernel().update_sa(sa);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  const auto s = this->kernel().get_sa(sa.id());
  ASSERT_TRUE(s.has_value() && s->encap.has_value());
  EXPECT_EQ(s->encap->src_port, 40001);
  EXPECT_EQ(s->encap->dst_port, 4500);
}

TYPED_TEST_P(KernelContract, SoftAddLifetimeWarnsAndHardAddLifetimeDeletes) {
  PQB_REQUIRE(KernelCapability::keyed_sas);
  xfrm::Sa sa = sample_sa(xfrm::SaDirection::out, 0x5001);
  sa.lifetime.soft_add = std::chrono::seconds(1);
  sa.lifetime.hard_add = std::chrono::seconds(3);
  ASSERT_TRUE(this->kernel().add_sa(sa).has_value());
  const auto soft = this->under_->await_events(std::chrono::seconds(10));
  ASSERT_EQ(soft.size(), 1U);
  const auto* s = std::get_if<xfrm::ExpireEvent>(&soft[0]);
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->hard);
  EXPECT_EQ(s->id, sa.id());
  EXPECT_TRUE(this->kernel().get_sa(sa.id()).has_value());  // dying, still installed
  const auto hard = this->under_->await_events(std::chrono::seconds(10));
  ASSERT_EQ(hard.size(), 1U);
  const auto* h = std::get_if<xfrm::ExpireEvent>(&hard[0]);
  ASSERT_NE(h, nullptr);
  EXPECT_TRUE(h->hard);
  EXPECT_EQ(this->kernel().get_sa(sa.id()).error().code, xfrm::errc::not_found);
}

// Newest-wins by add time (whole seconds) is how the kernel behaves, not a promise: the
// contract pins it because FakeKernel models it; pqbranch itself installs the new outbound
// SA and deletes the old one at once, which this case also shows.
TYPED_TEST_P(KernelContract, OutboundTrafficUsesTheNewestSaAndMovesWhenItIsDeleted) {
  PQB_REQUIRE(KernelCapability::outbound_traffic);
  const xfrm::Policy policy = sample_policy(xfrm::PolicyDirection::out);
  ASSERT_TRUE(this->kernel().add_policy(policy).has_value());
  const xfrm::Sa older = sample_sa(xfrm::SaDirection::out, 0x6001, 1);
  const xfrm::Sa newer = sample_sa(xfrm::SaDirection::out, 0x6002, 2);
  ASSERT_TRUE(this->kernel().add_sa(older).has_value());
  this->under_->send_outbound(policy);
  EXPECT_EQ(this->packets(older), 1U);
  this->under_->next_second();
  ASSERT_TRUE(this->kernel().add_sa(newer).has_value());
  this->under_->send_outbound(policy);
  EXPECT_EQ(this->packets(older), 1U);
  EXPECT_EQ(this->packets(newer), 1U);
  ASSERT_TRUE(this->kernel().delete_sa(newer.id()).has_value());
  this->under_->send_outbound(policy);
  EXPECT_EQ(this->packets(older), 2U);
}

#undef PQB_REQUIRE

REGISTER_TYPED_TEST_SUITE_P(
    KernelContract, AllocateSpiReservesDistinctSpisInRangeWithLarvalSas,
    UnknownSpiIsNotFoundForGetAndDelete, InvalidParametersAreRefusedBeforeTheKernelIsAsked,
    DuplicatePolicyIsAlreadyExistsAndUpdatePolicyReplacesIt, OwnershipMarksAndFlushesOnlyOurReqids,
    RouteModeOwnershipAlsoNeedsTheIfId, UncompletedLarvalSaEndsWithAHardExpireEvent,
    UpdateSaAfterTheLarvalSaExpiredIsNotFound, LarvalSpiRefusesAddSaAndUpdateSaCompletesIt,
    UpdateSaOfAnUnknownSpiIsNotFound, AddSaOnAnInstalledSpiIsAlreadyExists,
    InstallPairRollsBackTheFirstHalfWhenTheSecondIsRefused,
    UpdateSaMovesTheNatMappingOfAnInstalledSa, SoftAddLifetimeWarnsAndHardAddLifetimeDeletes,
    OutboundTrafficUsesTheNewestSaAndMovesWhenItIsDeleted);

}  // namespace pqbranch::test
