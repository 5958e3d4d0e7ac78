#include "pqbranch/tunnel/tunnel_setup.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "pqbranch/xfrm/errc.hpp"

#include "fakes/manual_clock.hpp"
#include "fakes/test_paths.hpp"
#include "fakes/xfrm/fake_kernel.hpp"
#include "fakes/xfrm/fake_route_table.hpp"
#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::tunnel {
namespace {

using test::addr;
using test::prefix;

TunnelLayout policy_layout() {
  TunnelLayout l;
  l.local_address = addr("192.0.2.1");
  l.remote_address = addr("198.51.100.2");
  l.local_prefixes = {prefix("10.1.0.0/16"), prefix("10.11.0.0/16"), prefix("fd00:1::/64")};
  l.remote_prefixes = {prefix("10.2.0.0/16")};
  l.reqid = test::kSampleReqid;
  return l;
}

TunnelLayout route_layout() {
  TunnelLayout l = policy_layout();
  l.route_mode = true;
  l.if_id = 0x70710000;
  l.interface = "pqb0";
  return l;
}

std::size_t count_owned(test::FakeKernel& k) {
  const auto ps = k.policies();
  return static_cast<std::size_t>(
      std::count_if(ps.begin(), ps.end(), [](const xfrm::PolicyState& p) { return p.owned; }));
}

TEST(TunnelPolicies, OnePairOfEachFamilyGivesOutInAndFwd) {
  const auto ps = tunnel_policies(policy_layout());
  ASSERT_EQ(ps.size(), 6U);  // the IPv6 local prefix has no IPv6 partner
  const xfrm::Policy& out = ps[0];
  EXPECT_EQ(out.direction, xfrm::PolicyDirection::out);
  EXPECT_EQ(out.selector.src, prefix("10.1.0.0/16"));
  EXPECT_EQ(out.selector.dst, prefix("10.2.0.0/16"));
  ASSERT_EQ(out.templates.size(), 1U);
  EXPECT_EQ(out.templates[0].src, addr("192.0.2.1"));
  EXPECT_EQ(out.templates[0].dst, addr("198.51.100.2"));
  EXPECT_EQ(out.templates[0].reqid, test::kSampleReqid);
  EXPECT_EQ(out.templates[0].mode, xfrm::Mode::tunnel);
  EXPECT_FALSE(out.templates[0].spi);  // any SA of the reqid: generations change SPIs
  for (const xfrm::Policy* p : {&ps[1], &ps[2]}) {
    EXPECT_EQ(p->selector.src, prefix("10.2.0.0/16"));
    EXPECT_EQ(p->templates[0].src, addr("198.51.100.2"));
    EXPECT_EQ(p->templates[0].dst, addr("192.0.2.1"));
  }
  EXPECT_EQ(ps[1].direction, xfrm::PolicyDirection::in);
  EXPECT_EQ(ps[2].direction, xfrm::PolicyDirection::fwd);
  for (const auto& p : ps)
    EXPECT_EQ(p.if_id, 0U);
  for (const auto& p : tunnel_policies(route_layout()))
    EXPECT_EQ(p.if_id, 0x70710000U);
}

TEST(TunnelSetup, PolicyModeIsIdempotentAndLeavesForeignPoliciesAlone) {
  const test::ManualClock clock;
  test::FakeKernel kernel(clock);
  xfrm::Policy foreign = test::sample_policy(xfrm::PolicyDirection::out);
  foreign.templates[0].reqid = 7;  // another IPsec daemon's
  foreign.selector.dst = prefix("10.99.0.0/16");
  ASSERT_TRUE(kernel.add_policy(foreign));

  auto first = setup_tunnel(kernel, nullptr, policy_layout());
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->policies, 6U);
  EXPECT_EQ(count_owned(kernel), 6U);
  auto again = setup_tunnel(kernel, nullptr, policy_layout());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->stale_policies, 0U);
  EXPECT_EQ(count_owned(kernel), 6U);
  EXPECT_EQ(kernel.policies().size(), 7U);
}

TEST(TunnelSetup, PrefixesNoLongerConfiguredLoseTheirPoliciesAfterTheNewOnesAreIn) {
  const test::ManualClock clock;
  test::FakeKernel kernel(clock);
  ASSERT_TRUE(setup_tunnel(kernel, nullptr, policy_layout()));
  TunnelLayout narrower = policy_layout();
  narrower.local_prefixes = {prefix("10.1.0.0/16")};
  kernel.clear_log();
  auto r = setup_tunnel(kernel, nullptr, narrower);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stale_policies, 3U);
  EXPECT_EQ(count_owned(kernel), 3U);
  // Every update comes before the first delete: never a moment with less protection.
  const auto& log = kernel.log();
  const auto first_delete = std::find_if(log.begin(), log.end(), [](const auto& e) {
    return e.op == test::FakeKernel::Op::delete_policy;
  });
  ASSERT_NE(first_delete, log.end());
  EXPECT_TRUE(std::none_of(first_delete, log.end(), [](const auto& e) {
    return e.op == test::FakeKernel::Op::update_policy;
  }));
}

TEST(TunnelSetup, RouteModeCreatesOrAdoptsTheInterfaceAndRoutesRemotePrefixes) {
  const test::ManualClock clock;
  test::FakeKernel::Options options;
  options.ownership.if_id = 0x70710000;
  test::FakeKernel kernel(clock, options);
  test::FakeRouteTable routes;
  routes.add_device("pqb0");
  auto first = setup_tunnel(kernel, &routes, route_layout());
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_TRUE(first->interface_created);
  ASSERT_EQ(kernel.interfaces().size(), 1U);
  EXPECT_EQ(kernel.interfaces()[0].if_id, 0x70710000U);
  EXPECT_TRUE(routes.is_up("pqb0"));
  ASSERT_EQ(routes.routes().size(), 1U);
  EXPECT_EQ(routes.routes().at(prefix("10.2.0.0/16")), "pqb0");
  auto again = setup_tunnel(kernel, &routes, route_layout());
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_FALSE(again->interface_created);
  EXPECT_EQ(kernel.interfaces().size(), 1U);
  EXPECT_FALSE(setup_tunnel(kernel, nullptr, route_layout()));
}

TEST(TunnelSetup, FlushRemovesOwnedStateRoutesAndInterface) {
  const test::ManualClock clock;
  test::FakeKernel::Options options;
  options.ownership.if_id = 0x70710000;
  test::FakeKernel kernel(clock, options);
  test::FakeRouteTable routes;
  routes.add_device("pqb0");
  ASSERT_TRUE(setup_tunnel(kernel, &routes, route_layout()));
  xfrm::Sa sa = test::sample_sa(xfrm::SaDirection::out, 0x1234);
  sa.if_id = 0x70710000;
  ASSERT_TRUE(kernel.add_sa(sa));
  auto report = flush_tunnel(kernel, &routes, route_layout());
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->sas_deleted, 1U);
  EXPECT_EQ(report->policies_deleted, 6U);
  EXPECT_TRUE(kernel.interfaces().empty());
  EXPECT_TRUE(routes.routes().empty());
  // Flushing what is already gone is fine.
  EXPECT_TRUE(flush_tunnel(kernel, &routes, route_layout()));
}

}  // namespace
}  // namespace pqbranch::tunnel
