// NetlinkRouteTable against the host kernel, in a namespace of the test's own. A veth
// device stands in for the xfrm interface (the host kernel has no xfrm interfaces).
#include "pqbranch/xfrm/route_table.hpp"

#include <gtest/gtest.h>

#include "pqbranch/xfrm/errc.hpp"

#include "fakes/test_netns.hpp"
#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::xfrm {
namespace {

using test::prefix;
using test::TestNetns;

TEST(NetlinkRouteTable, BringsALinkUpAndReplacesAndDeletesRoutes) {
  const auto ns = TestNetns::create();
  ASSERT_NE(ns, nullptr);
  // veth: the host kernel may lack the dummy module.
  ASSERT_EQ(ns->sh("ip link add pqbt0 type veth peer name pqbt1").status, 0);
  ns->run_inside([&] {
    auto routes = NetlinkRouteTable::create();
    ASSERT_TRUE(routes) << routes.error().message();
    auto& rt = **routes;
    ASSERT_TRUE(rt.set_link_up("pqbt0"));
    ASSERT_TRUE(rt.set_link_up("pqbt0"));  // already up: no-op
    ASSERT_TRUE(rt.replace_route(prefix("10.2.0.0/16"), "pqbt0"));
    ASSERT_TRUE(rt.replace_route(prefix("10.2.0.0/16"), "pqbt0"));  // idempotent
    ASSERT_TRUE(rt.replace_route(prefix("fd00:2::/64"), "pqbt0"));
  });
  EXPECT_NE(ns->sh("ip link show pqbt0").output.find("UP"), std::string::npos);
  const auto v4 = ns->sh("ip -4 route show dev pqbt0").output;
  EXPECT_NE(v4.find("10.2.0.0/16"), std::string::npos) << v4;
  const auto v6 = ns->sh("ip -6 route show dev pqbt0").output;
  EXPECT_NE(v6.find("fd00:2::/64"), std::string::npos) << v6;
  ns->run_inside([&] {
    auto rt = NetlinkRouteTable::create();
    ASSERT_TRUE(rt);
    ASSERT_TRUE((*rt)->delete_route(prefix("10.2.0.0/16"), "pqbt0"));
    auto again = (*rt)->delete_route(prefix("10.2.0.0/16"), "pqbt0");
    ASSERT_FALSE(again);
    auto missing = (*rt)->set_link_up("nosuchdev0");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error(), errc::not_found);
    auto no_dev = (*rt)->replace_route(prefix("10.3.0.0/16"), "nosuchdev0");
    ASSERT_FALSE(no_dev);
    EXPECT_EQ(no_dev.error(), errc::not_found);
  });
  EXPECT_EQ(ns->sh("ip -4 route show dev pqbt0").output.find("10.2.0.0/16"), std::string::npos);
}

}  // namespace
}  // namespace pqbranch::xfrm
