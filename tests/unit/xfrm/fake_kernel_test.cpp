#include "fakes/xfrm/fake_kernel.hpp"

#include <cerrno>
#include <poll.h>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "pqbranch/xfrm/errc.hpp"

#include "fakes/manual_clock.hpp"
#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::test {
namespace {

using namespace std::chrono_literals;
using xfrm::errc;
using xfrm::SaDirection;

class FakeKernelTest : public ::testing::Test {
 protected:
  std::vector<xfrm::Event> events() {
    auto e = kernel_.read_events();
    EXPECT_TRUE(e.has_value());
    return e ? std::move(*e) : std::vector<xfrm::Event>{};
  }
  bool event_fd_readable() const {
    pollfd p{kernel_.event_fd(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
  }

  ManualClock clock_;
  FakeKernel kernel_{clock_};
};

TEST_F(FakeKernelTest, AllocSpiMakesALarvalSaThatUpdsaCompletes) {
  const auto spi = kernel_.allocate_spi(sample_spi_request(SaDirection::in));
  ASSERT_TRUE(spi.has_value());
  EXPECT_GE(*spi, 0x1000U);
  EXPECT_LE(*spi, 0x1fffU);
  xfrm::Sa sa = sample_sa(SaDirection::in, *spi, 3);
  auto larval = kernel_.get_sa(sa.id());
  ASSERT_TRUE(larval.has_value());
  EXPECT_TRUE(larval->larval);
  EXPECT_TRUE(larval->owned);
  EXPECT_EQ(kernel_.key_of(sa.id()), nullptr);
  // NEWSA with the reserved SPI collides with the larval SA.
  const auto add = kernel_.add_sa(sa);
  ASSERT_FALSE(add.has_value());
  EXPECT_EQ(add.error().code, errc::already_exists);
  EXPECT_NE(add.error().detail.find("File exists"), std::string::npos);
  ASSERT_TRUE(kernel_.update_sa(sa).has_value());
  const auto done = kernel_.get_sa(sa.id());
  ASSERT_TRUE(done.has_value());
  EXPECT_FALSE(done->larval);
  EXPECT_EQ(done->algorithm, xfrm::kAeadName);
  ASSERT_NE(kernel_.key_of(sa.id()), nullptr);
  EXPECT_TRUE(kernel_.key_of(sa.id())->equals(sample_key(3).span()));
}

TEST_F(FakeKernelTest, LarvalSaExpiresAfterTheAcquireTimeout) {
  const auto spi = kernel_.allocate_spi(sample_spi_request(SaDirection::in));
  ASSERT_TRUE(spi.has_value());
  clock_.advance(29s);
  kernel_.tick();
  EXPECT_EQ(kernel_.sas().size(), 1U);
  EXPECT_FALSE(event_fd_readable());
  clock_.advance(1s);
  kernel_.tick();
  EXPECT_TRUE(kernel_.sas().empty());
  EXPECT_TRUE(event_fd_readable());
  const auto ev = events();
  ASSERT_EQ(ev.size(), 1U);
  const auto& x = std::get<xfrm::ExpireEvent>(ev[0]);
  EXPECT_TRUE(x.hard);
  EXPECT_EQ(x.id.spi, *spi);
  EXPECT_FALSE(event_fd_readable());
  const auto upd = kernel_.update_sa(sample_sa(SaDirection::in, *spi));
  ASSERT_FALSE(upd.has_value());
  EXPECT_EQ(upd.error().code, errc::not_found);
  EXPECT_NE(upd.error().detail.find("No such process"), std::string::npos);
}

TEST(FakeKernel, AcquireExpiryIsConfigurable) {
  ManualClock clock;
  FakeKernel::Options o;
  o.acquire_expiry = 5s;
  FakeKernel k(clock, o);
  ASSERT_TRUE(k.allocate_spi(sample_spi_request(SaDirection::in)).has_value());
  clock.advance(5s);
  EXPECT_TRUE(k.sas().empty());
}

TEST_F(FakeKernelTest, UpdsaMustMatchTheAllocation) {
  const auto spi = kernel_.allocate_spi(sample_spi_request(SaDirection::in));
  ASSERT_TRUE(spi.has_value());
  xfrm::Sa sa = sample_sa(SaDirection::in, *spi);
  sa.reqid += 1;
  EXPECT_EQ(kernel_.update_sa(sa).error().code, errc::rejected);
  xfrm::Sa out = sample_sa(SaDirection::out, *spi);
  out.dst = sa.dst;  // same identity, other direction
  out.src = sa.src;
  EXPECT_EQ(kernel_.update_sa(out).error().code, errc::not_found);
  EXPECT_TRUE(kernel_.get_sa(sa.id())->larval);
}

TEST_F(FakeKernelTest, UpdsaNeverChangesKeysButUpdatesLifetimes) {
  xfrm::Sa sa = sample_sa(SaDirection::out, 0x2000, 1);
  ASSERT_TRUE(kernel_.add_sa(sa).has_value());
  xfrm::Sa again = sample_sa(SaDirection::out, 0x2000, 99);
  again.lifetime.hard_add = 100s;
  ASSERT_TRUE(kernel_.update_sa(again).has_value());
  EXPECT_TRUE(kernel_.key_of(sa.id())->equals(sample_key(1).span()));
  EXPECT_EQ(kernel_.get_sa(sa.id())->lifetime.hard_add, 100s);
  again.encap = xfrm::Encap{};
  EXPECT_EQ(kernel_.update_sa(again).error().code, errc::rejected);
}

TEST_F(FakeKernelTest, SpiIsUniquePerDestinationAndProtocol) {
  ASSERT_TRUE(kernel_.add_sa(sample_sa(SaDirection::out, 0x3000)).has_value());
  EXPECT_EQ(kernel_.add_sa(sample_sa(SaDirection::out, 0x3000)).error().code, errc::already_exists);
  // The same SPI toward another destination is another SA.
  ASSERT_TRUE(kernel_.add_sa(sample_sa(SaDirection::in, 0x3000)).has_value());
  // ALLOCSPI never hands out a taken SPI, and says so when the range is full.
  xfrm::SpiRequest r = sample_spi_request(SaDirection::out);
  r.min_spi = 0x3000;
  r.max_spi = 0x3001;
  const auto spi = kernel_.allocate_spi(r);
  ASSERT_TRUE(spi.has_value());
  EXPECT_EQ(*spi, 0x3001U);
  const auto full = kernel_.allocate_spi(r);
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().code, errc::spi_exhausted);
}

TEST_F(FakeKernelTest, OutboundSelectionPrefersNonDyingThenNewest) {
  const xfrm::Policy out = sample_policy(xfrm::PolicyDirection::out);
  EXPECT_FALSE(kernel_.select_outbound(out).has_value());  // would ACQUIRE
  xfrm::Sa gen1 = sample_sa(SaDirection::out, 0x1001);
  gen1.lifetime.soft_add = 10s;
  ASSERT_TRUE(kernel_.add_sa(gen1).has_value());
  EXPECT_EQ(kernel_.select_outbound(out)->spi, 0x1001U);
  clock_.advance(1s);
  xfrm::Sa gen2 = sample_sa(SaDirection::out, 0x1002);
  gen2.lifetime.soft_add = 5s;
  ASSERT_TRUE(kernel_.add_sa(gen2).has_value());
  EXPECT_EQ(kernel_.select_outbound(out)->spi, 0x1002U);  // newest
  clock_.advance(5s);                                     // gen2 soft-expires first
  EXPECT_EQ(kernel_.select_outbound(out)->spi, 0x1001U);  // non-dying beats newest
  clock_.advance(5s);                                     // both dying now
  EXPECT_EQ(kernel_.select_outbound(out)->spi, 0x1002U);
  // An inbound SA never carries outbound traffic.
  xfrm::Sa in = sample_sa(SaDirection::in, 0x1003);
  in.src = gen1.src;
  in.dst = gen1.dst;
  clock_.advance(1s);
  ASSERT_TRUE(kernel_.add_sa(in).has_value());
  EXPECT_EQ(kernel_.select_outbound(out)->spi, 0x1002U);
}

TEST_F(FakeKernelTest, OutboundSelectionTieBreakAndCandidates) {
  const xfrm::Policy out = sample_policy(xfrm::PolicyDirection::out);
  ASSERT_TRUE(kernel_.add_sa(sample_sa(SaDirection::out, 0x1001)).has_value());
  ASSERT_TRUE(kernel_.add_sa(sample_sa(SaDirection::out, 0x1002)).has_value());
  // Same second: the first found, which is the latest insertion.
  EXPECT_EQ(kernel_.select_outbound(out)->spi, 0x1002U);
  // A template pinned to an SPI takes that SA.
  xfrm::Policy pinned = out;
  pinned.templates[0].spi = 0x1001;
  EXPECT_EQ(kernel_.select_outbound(pinned)->spi, 0x1001U);
  // reqid, if_id and mark must all match.
  xfrm::Policy other = out;
  other.templates[0].reqid += 1;
  EXPECT_FALSE(kernel_.select_outbound(other).has_value());
  other = out;
  other.if_id = 5;
  EXPECT_FALSE(kernel_.select_outbound(other).has_value());
  xfrm::Sa marked = sample_sa(SaDirection::out, 0x1004);
  marked.mark = xfrm::Mark{7, 0xff};
  clock_.advance(2s);
  ASSERT_TRUE(kernel_.add_sa(marked).has_value());
  EXPECT_EQ(kernel_.select_outbound(out)->spi, 0x1002U);  // unmarked policy, marked SA
  other = out;
  other.mark = xfrm::Mark{7, 0xff};
  EXPECT_EQ(kernel_.select_outbound(other)->spi, 0x1004U);
}

TEST(FakeKernel, OldestFirstTieBreakReversesOnlyTheTie) {
  ManualClock clock;
  FakeKernel::Options o;
  o.outbound_tie = FakeKernel::TieBreak::oldest_first;
  FakeKernel k(clock, o);
  const xfrm::Policy out = sample_policy(xfrm::PolicyDirection::out);
  ASSERT_TRUE(k.add_sa(sample_sa(SaDirection::out, 0x1001)).has_value());
  ASSERT_TRUE(k.add_sa(sample_sa(SaDirection::out, 0x1002)).has_value());
  EXPECT_EQ(k.select_outbound(out)->spi, 0x1001U);  // same second: the oldest here
  // A later add second still wins, and non-dying still beats dying: only the tie changes.
  clock.advance(1s);
  xfrm::Sa later = sample_sa(SaDirection::out, 0x1003);
  later.lifetime.soft_add = 2s;
  ASSERT_TRUE(k.add_sa(later).has_value());
  EXPECT_EQ(k.select_outbound(out)->spi, 0x1003U);
  clock.advance(2s);
  EXPECT_EQ(k.select_outbound(out)->spi, 0x1001U);
}

TEST(FakeKernel, SeededSpisAreRandomInTheRangeAndReproducible) {
  const auto allocate = [](std::uint64_t seed) {
    ManualClock clock;
    FakeKernel::Options o;
    o.spi_seed = seed;
    FakeKernel k(clock, o);
    std::vector<std::uint32_t> spis;
    for (int i = 0; i < 8; ++i) {
      const auto spi = k.allocate_spi(sample_spi_request(SaDirection::in));
      EXPECT_TRUE(spi.has_value());
      if (spi) spis.push_back(*spi);
    }
    return spis;
  };
  const std::vector<std::uint32_t> a = allocate(7);
  ASSERT_EQ(a.size(), 8U);
  EXPECT_EQ(allocate(7), a);
  EXPECT_NE(allocate(8), a);
  for (const std::uint32_t spi : a) {
    EXPECT_GE(spi, 0x1000U);
    EXPECT_LE(spi, 0x1fffU);
  }
  EXPECT_EQ(std::set<std::uint32_t>(a.begin(), a.end()).size(), a.size());  // all distinct
  // Not the counter's walk from the bottom of the range.
  EXPECT_NE(a, (std::vector<std::uint32_t>{0x1000, 0x1001, 0x1002, 0x1003, 0x1004, 0x1005, 0x1006,
                                           0x1007}));
}

TEST(FakeKernel, SeededSpisStillSayWhenTheRangeIsFull) {
  ManualClock clock;
  FakeKernel::Options o;
  o.spi_seed = 1;
  FakeKernel k(clock, o);
  xfrm::SpiRequest r = sample_spi_request(SaDirection::in);
  r.min_spi = 0x3000;
  r.max_spi = 0x3000;
  ASSERT_EQ(k.allocate_spi(r).value(), 0x3000U);
  const auto full = k.allocate_spi(r);
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().code, errc::spi_exhausted);
}

TEST_F(FakeKernelTest, FlowSelectionFollowsPolicyPriority) {
  ASSERT_TRUE(kernel_.add_policy(sample_policy(xfrm::PolicyDirection::out)).has_value());
  ASSERT_TRUE(kernel_.add_sa(sample_sa(SaDirection::out, 0x1001)).has_value());
  const xfrm::Selector flow{prefix("10.1.2.3/32"), prefix("10.2.3.4/32"), 17, 1000, 53};
  EXPECT_EQ(kernel_.select_outbound(flow)->spi, 0x1001U);
  EXPECT_FALSE(kernel_.select_outbound(xfrm::Selector{prefix("10.9.0.1/32"), prefix("10.2.3.4/32")})
                   .has_value());
  xfrm::Policy block;
  block.selector = xfrm::Selector{prefix("10.1.2.0/24"), prefix("10.2.0.0/16")};
  block.action = xfrm::PolicyAction::block;
  block.priority = 10;
  ASSERT_TRUE(kernel_.add_policy(block).has_value());
  EXPECT_FALSE(kernel_.select_outbound(flow).has_value());
}

TEST_F(FakeKernelTest, LifetimesFromClockAndCounters) {
  xfrm::Sa sa = sample_sa(SaDirection::out, 0x2000);
  sa.lifetime.soft_bytes = 1000;
  sa.lifetime.hard_bytes = 2000;
  ASSERT_TRUE(kernel_.add_sa(sa).has_value());
  ASSERT_TRUE(kernel_.account_traffic(sa.id(), 999, 1).has_value());
  EXPECT_TRUE(events().empty());
  ASSERT_TRUE(kernel_.account_traffic(sa.id(), 1, 1).has_value());
  auto ev = events();
  ASSERT_EQ(ev.size(), 1U);
  EXPECT_FALSE(std::get<xfrm::ExpireEvent>(ev[0]).hard);
  EXPECT_EQ(kernel_.get_sa(sa.id())->current.bytes, 1000U);
  ASSERT_TRUE(kernel_.account_traffic(sa.id(), 1000, 1).has_value());
  ev = events();
  ASSERT_EQ(ev.size(), 1U);
  EXPECT_TRUE(std::get<xfrm::ExpireEvent>(ev[0]).hard);
  EXPECT_EQ(kernel_.get_sa(sa.id()).error().code, errc::not_found);

  xfrm::Sa timed = sample_sa(SaDirection::in, 0x3000);
  timed.lifetime.soft_add = 60s;
  timed.lifetime.hard_add = 90s;
  ASSERT_TRUE(kernel_.add_sa(timed).has_value());
  clock_.advance(60s);
  kernel_.tick();
  ev = events();
  ASSERT_EQ(ev.size(), 1U);
  EXPECT_FALSE(std::get<xfrm::ExpireEvent>(ev[0]).hard);
  EXPECT_TRUE(kernel_.select_inbound(timed.id()).has_value());  // dying still decrypts
  clock_.advance(30s);
  ev = events();
  ASSERT_EQ(ev.size(), 1U);
  EXPECT_TRUE(std::get<xfrm::ExpireEvent>(ev[0]).hard);
  EXPECT_FALSE(kernel_.select_inbound(timed.id()).has_value());
}

TEST_F(FakeKernelTest, InboundLookupBySpiWithinTheMark) {
  xfrm::Sa sa = sample_sa(SaDirection::in, 0x4000);
  sa.mark = xfrm::Mark{3, 0xf};
  ASSERT_TRUE(kernel_.add_sa(sa).has_value());
  EXPECT_TRUE(kernel_.select_inbound(sa.id()).has_value());
  xfrm::SaId unmarked = sa.id();
  unmarked.mark_value = 0;
  unmarked.mark_mask = 0;
  EXPECT_FALSE(kernel_.select_inbound(unmarked).has_value());
  EXPECT_FALSE(kernel_.select_inbound(sample_sa(SaDirection::in, 0x4001).id()).has_value());
}

TEST_F(FakeKernelTest, FlushOwnedLeavesForeignStateAlone) {
  xfrm::Sa foreign = sample_sa(SaDirection::out, 0x5000);
  foreign.reqid = 1;
  xfrm::Policy foreign_policy = sample_policy(xfrm::PolicyDirection::fwd);
  foreign_policy.templates[0].reqid = 1;
  ASSERT_TRUE(kernel_.add_sa(foreign).has_value());
  ASSERT_TRUE(kernel_.add_policy(foreign_policy).has_value());
  ASSERT_TRUE(kernel_.add_sa(sample_sa(SaDirection::out, 0x5001)).has_value());
  ASSERT_TRUE(kernel_.allocate_spi(sample_spi_request(SaDirection::in)).has_value());
  ASSERT_TRUE(kernel_.add_policy(sample_policy(xfrm::PolicyDirection::out)).has_value());
  const auto listed = kernel_.list_sas();
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 3U);
  EXPECT_FALSE((*listed)[0].owned);
  EXPECT_TRUE((*listed)[1].owned);
  EXPECT_TRUE((*listed)[2].owned);
  const auto report = kernel_.flush_owned();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->sas_deleted, 2U);
  EXPECT_EQ(report->policies_deleted, 1U);
  ASSERT_EQ(kernel_.sas().size(), 1U);
  EXPECT_EQ(kernel_.sas()[0].spi, 0x5000U);
  ASSERT_EQ(kernel_.policies().size(), 1U);
  EXPECT_EQ(kernel_.policies()[0].policy, foreign_policy);
}

TEST_F(FakeKernelTest, FaultInjectionAndTheOperationLog) {
  kernel_.fail_nth(FakeKernel::Op::add_sa, 2, ENOMEM);
  ASSERT_TRUE(kernel_.add_sa(sample_sa(SaDirection::out, 0x6000)).has_value());
  const auto r = kernel_.add_sa(sample_sa(SaDirection::out, 0x6001));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::rejected);
  EXPECT_EQ(r.error().detail,
            "add SA spi 0x00006001 dst 198.51.100.2: Cannot allocate memory (injected)");
  ASSERT_TRUE(kernel_.add_sa(sample_sa(SaDirection::out, 0x6001)).has_value());  // once only
  ASSERT_TRUE(kernel_.delete_sa(sample_sa(SaDirection::out, 0x6000).id()).has_value());
  EXPECT_EQ(kernel_.log_lines(),
            (std::vector<std::string>{
                "add SA spi 0x00006000 dst 198.51.100.2 -> ok",
                "add SA spi 0x00006001 dst 198.51.100.2 -> Cannot allocate memory "
                "(injected)",
                "add SA spi 0x00006001 dst 198.51.100.2 -> ok",
                "delete SA spi 0x00006000 dst 198.51.100.2 -> ok",
            }));
  EXPECT_FALSE(kernel_.log()[1].ok);
}

TEST_F(FakeKernelTest, InstallPairRollsBackTheFirstHalf) {
  const xfrm::Sa in = sample_sa(SaDirection::in, 0x7000);
  const xfrm::Sa out = sample_sa(SaDirection::out, 0x7001);
  kernel_.fail_nth(FakeKernel::Op::add_sa, 2, EPROTONOSUPPORT);
  const auto r = xfrm::install_pair(kernel_, in, out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::not_supported);
  EXPECT_TRUE(kernel_.sas().empty());
  ASSERT_EQ(kernel_.log().size(), 3U);
  EXPECT_EQ(kernel_.log()[2].op, FakeKernel::Op::delete_sa);

  // With an allocated inbound SPI the first half is completed with UPDSA.
  const auto spi = kernel_.allocate_spi(sample_spi_request(SaDirection::in));
  ASSERT_TRUE(spi.has_value());
  ASSERT_TRUE(xfrm::install_pair(kernel_, sample_sa(SaDirection::in, *spi), out,
                                 xfrm::PairOptions{true, false})
                  .has_value());
  EXPECT_EQ(kernel_.sas().size(), 2U);
  EXPECT_FALSE(kernel_.sas()[0].larval);
}

TEST_F(FakeKernelTest, PoliciesAddUpdateDelete) {
  xfrm::Policy p = sample_policy(xfrm::PolicyDirection::in);
  ASSERT_TRUE(kernel_.add_policy(p).has_value());
  EXPECT_EQ(kernel_.add_policy(p).error().code, errc::already_exists);
  p.priority = 5;
  ASSERT_TRUE(kernel_.update_policy(p).has_value());
  ASSERT_EQ(kernel_.policies().size(), 1U);
  EXPECT_EQ(kernel_.policies()[0].policy.priority, 5U);
  EXPECT_EQ(kernel_.policies()[0].index & 7U, 0U);  // direction in the low bits
  ASSERT_TRUE(kernel_.delete_policy(xfrm::id_of(p)).has_value());
  EXPECT_EQ(kernel_.delete_policy(xfrm::id_of(p)).error().code, errc::not_found);
}

TEST(FakeKernel, XfrmInterfaces) {
  ManualClock clock;
  FakeKernel k(clock);
  ASSERT_TRUE(k.create_xfrm_interface({"pqb0", 42, ""}).has_value());
  EXPECT_EQ(k.create_xfrm_interface({"pqb1", 42, ""}).error().code, errc::already_exists);
  ASSERT_TRUE(k.delete_xfrm_interface("pqb0").has_value());
  EXPECT_EQ(k.delete_xfrm_interface("pqb0").error().code, errc::not_found);
  FakeKernel::Options o;
  o.xfrm_interfaces_supported = false;  // like our host kernel
  FakeKernel old(clock, o);
  const auto r = old.create_xfrm_interface({"pqb0", 42, ""});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::not_supported);
  EXPECT_NE(r.error().detail.find("Unknown device type"), std::string::npos);
}

}  // namespace
}  // namespace pqbranch::test
