#include "pqbranch/keysvc/edge_site.hpp"

#include <set>

#include <gtest/gtest.h>

#include "fakes/ip_text.hpp"

namespace pqbranch::keysvc {
namespace {

using namespace std::chrono_literals;

using test::ip;
using test::net;

config::EdgeConfig sample() {
  config::EdgeConfig c;
  c.state_directory = "/var/lib/pqbranch-edge";
  c.tunnel.local_address = ip("198.51.100.1");
  c.tunnel.local_prefixes = {net("10.9.0.0/16"), net("2001:db8:9::/48")};
  c.lifetime.soft_time = 90min;
  c.lifetime.hard_time = 2h;
  c.lifetime.soft_bytes = 0;
  c.lifetime.hard_bytes = 0;
  c.nat_traversal.port = 4500;
  config::SiteSettings policy;
  policy.id = "branch-1";
  policy.remote_address = ip("192.0.2.1");
  policy.prefixes = {net("10.1.0.0/16"), net("2001:db8:1::/48")};
  policy.reqid = 0x70710001;
  config::SiteSettings route;
  route.id = "branch-2";
  route.prefixes = {net("10.2.0.0/16")};
  route.reqid = 0x70710002;
  route.if_id = 42;
  c.sites = {policy, route};
  return c;
}

TEST(EdgeSite, PolicySiteWithAnAddress) {
  const auto sites = edge_sites(sample());
  ASSERT_EQ(sites.size(), 2U);
  const EdgeSite& s = sites[0];
  EXPECT_EQ(s.rotation.site_id, "branch-1");
  EXPECT_EQ(s.rotation.tunnel.local, ip("198.51.100.1"));
  EXPECT_EQ(s.rotation.tunnel.remote, ip("192.0.2.1"));
  EXPECT_EQ(s.rotation.tunnel.reqid, 0x70710001U);
  EXPECT_EQ(s.rotation.tunnel.if_id, 0U);
  EXPECT_EQ(s.rotation.tunnel.nat_port, 4500);
  EXPECT_EQ(s.rotation.lifetime.soft_add, 5400s);
  EXPECT_EQ(s.rotation.lifetime.hard_add, 7200s);
  EXPECT_EQ(s.rotation.lifetime.hard_bytes, xfrm::kNoLimit);
  // Same-family pairs only: agent LAN -> edge LAN.
  ASSERT_EQ(s.rotation.selectors.size(), 2U);
  EXPECT_EQ(s.rotation.selectors[0].src, net("10.1.0.0/16"));
  EXPECT_EQ(s.rotation.selectors[0].dst, net("10.9.0.0/16"));
  EXPECT_EQ(s.rotation.selectors[1].src, net("2001:db8:1::/48"));
  EXPECT_EQ(s.rotation.selectors[1].dst, net("2001:db8:9::/48"));
  EXPECT_TRUE(s.address_configured);
  EXPECT_FALSE(s.layout.route_mode);
  EXPECT_EQ(s.layout.remote_address, ip("192.0.2.1"));
  EXPECT_EQ(s.layout.remote_prefixes, (std::vector{net("10.1.0.0/16"), net("2001:db8:1::/48")}));
  EXPECT_EQ(s.state_file, std::filesystem::path("/var/lib/pqbranch-edge/site-branch-1.json"));
}

TEST(EdgeSite, RouteSiteWithoutAnAddressAndNatOff) {
  auto c = sample();
  c.nat_traversal.mode = config::NatMode::off;
  c.lifetime.soft_bytes = 1000;
  c.lifetime.hard_bytes = 2000;
  const EdgeSite s = edge_sites(c).at(1);
  EXPECT_EQ(s.rotation.tunnel.if_id, 42U);
  EXPECT_EQ(s.rotation.tunnel.nat_port, 0);
  EXPECT_EQ(s.rotation.lifetime.soft_bytes, 1000U);
  EXPECT_FALSE(s.address_configured);
  EXPECT_TRUE(s.layout.route_mode);
  EXPECT_EQ(s.layout.if_id, 42U);
  EXPECT_EQ(s.layout.interface, "pqbe42");
  ASSERT_EQ(s.rotation.selectors.size(), 1U);
  EXPECT_EQ(edge_ownership(c).if_id, std::nullopt);
  EXPECT_EQ(edge_ownership(c).reqid_min, c.ownership.reqid_min);
}

TEST(EdgeSite, StateFileNamesAreSafeAndDistinct) {
  EXPECT_EQ(site_state_file_name("branch-1"), "site-branch-1.json");
  EXPECT_EQ(site_state_file_name("a/../b"), "site-a%2F..%2Fb.json");
  EXPECT_EQ(site_state_file_name(".."), "site-...json");
  EXPECT_EQ(site_state_file_name("%41"), "site-%2541.json");
  EXPECT_EQ(site_state_file_name("caf\xc3\xa9"), "site-caf%C3%A9.json");
  const std::string long_id(300, 'x');
  const std::string hashed = site_state_file_name(long_id);
  EXPECT_EQ(hashed.size(), std::string("site-#.json").size() + 64);
  EXPECT_NE(hashed, site_state_file_name(long_id + "y"));
  std::set<std::string> names;
  for (const char* id : {"A", "a", "%41", "a b", "a%20b", "a_b"}) {
    EXPECT_TRUE(names.insert(site_state_file_name(id)).second) << id;
  }
}

}  // namespace
}  // namespace pqbranch::keysvc
