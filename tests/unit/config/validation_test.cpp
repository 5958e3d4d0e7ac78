#include "pqbranch/config/validation.hpp"

#include <gtest/gtest.h>

namespace pqbranch::config {
namespace {

AgentConfig valid_agent() {
  AgentConfig c;
  c.tls.certificate = "site.crt";
  c.tls.private_key = "site.key";
  c.tls.ca = "ca.crt";
  c.edge.endpoints = {EdgeEndpoint{Endpoint{"edge.example.net", 8443}, "edge.example.net"}};
  c.tunnel.local_address = *core::IpAddress::parse("198.51.100.10");
  c.tunnel.remote_address = *core::IpAddress::parse("203.0.113.1");
  c.tunnel.local_prefixes = {*core::IpPrefix::parse("10.1.0.0/16")};
  c.tunnel.remote_prefixes = {*core::IpPrefix::parse("10.0.0.0/16")};
  return c;
}

std::vector<std::string> keys_of(const std::vector<Problem>& problems) {
  std::vector<std::string> keys;
  for (const auto& p : problems)
    keys.push_back(p.key);
  return keys;
}

TEST(ValidateAgent, DefaultsPlusRequiredSettingsAreValid) {
  EXPECT_TRUE(validate(valid_agent()).empty());
}

TEST(ValidateAgent, ClassicalGroupsOnlyWithAllowClassical) {
  auto c = valid_agent();
  c.tls.groups = {"X25519MLKEM768", "X25519", "secp384r1"};
  const auto problems = validate(c);
  ASSERT_EQ(problems.size(), 2U);
  EXPECT_EQ(problems[0], (Problem{errc::classical_group_not_allowed, "tls.groups[1]",
                                  "\"X25519\" is a classical group, not post-quantum; it is "
                                  "refused unless tls.allow_classical = true"}));
  EXPECT_EQ(problems[1].key, "tls.groups[2]");
  c.tls.allow_classical = true;
  EXPECT_TRUE(validate(c).empty());
  // Every hybrid group is allowed without it.
  c.tls.allow_classical = false;
  c.tls.groups.assign(kHybridGroups.begin(), kHybridGroups.end());
  EXPECT_TRUE(validate(c).empty());
}

TEST(ValidateAgent, GroupsMustBeKnownAndUnique) {
  auto c = valid_agent();
  c.tls.groups = {"X25519MLKEM768", "x25519mlkem768", "MLKEM768"};
  const auto problems = validate(c);
  ASSERT_EQ(problems.size(), 2U);
  EXPECT_EQ(problems[0].key, "tls.groups[1]");
  EXPECT_EQ(problems[0].text, "group \"X25519MLKEM768\" is listed twice");
  EXPECT_EQ(problems[1].code, errc::unknown_group);
  c.tls.groups.clear();
  EXPECT_EQ(keys_of(validate(c)), std::vector<std::string>{"tls.groups"});
}

TEST(ValidateAgent, LifetimesAndRotation) {
  auto c = valid_agent();
  c.lifetime.soft_time = c.lifetime.hard_time;
  // soft == hard, and rotation (1h + 5m) is still before soft (2h).
  EXPECT_EQ(keys_of(validate(c)), std::vector<std::string>{"lifetime.soft_time"});

  c = valid_agent();
  c.rotation.interval = std::chrono::minutes{85};  // 85m + 5m jitter == 90m soft: too late
  EXPECT_EQ(keys_of(validate(c)), std::vector<std::string>{"rotation.interval"});
  c.rotation.interval = std::chrono::minutes{84};
  EXPECT_TRUE(validate(c).empty());

  c = valid_agent();
  c.rotation.interval = std::chrono::minutes{10};
  c.rotation.jitter = c.rotation.interval;
  EXPECT_EQ(keys_of(validate(c)), std::vector<std::string>{"rotation.jitter"});

  c = valid_agent();
  c.lifetime.hard_bytes = 1000;
  c.lifetime.soft_bytes = 1000;
  EXPECT_EQ(keys_of(validate(c)), std::vector<std::string>{"lifetime.soft_bytes"});
  c.lifetime.soft_bytes = 999;
  EXPECT_TRUE(validate(c).empty());
  c.lifetime.hard_bytes = 0;  // a soft byte limit alone is fine
  EXPECT_TRUE(validate(c).empty());
}

TEST(ValidateAgent, TunnelAndOwnership) {
  auto c = valid_agent();
  c.tunnel.if_id = 0;
  c.tunnel.interface = "a-name-that-is-too-long";
  c.tunnel.reqid = 0x7072'0000;
  c.ownership.reqid_min = 0;
  EXPECT_EQ(keys_of(validate(c)),
            (std::vector<std::string>{"tunnel.if_id", "tunnel.interface", "ownership.reqid_min",
                                      "tunnel.reqid"}));
  // Policy mode needs neither an interface nor an if_id.
  c = valid_agent();
  c.tunnel.mode = TunnelMode::policy;
  c.tunnel.if_id = 0;
  c.tunnel.interface.clear();
  EXPECT_TRUE(validate(c).empty());
  c.edge.endpoints.clear();
  c.edge.backoff_initial = std::chrono::minutes{10};
  EXPECT_EQ(keys_of(validate(c)),
            (std::vector<std::string>{"edge.endpoints", "edge.backoff_initial"}));
}

TEST(ValidateAgent, StatusSocketFitsSunPath) {
  auto c = valid_agent();
  c.status_socket = "/run/" + std::string(120, 'x');
  EXPECT_EQ(keys_of(validate(c)), std::vector<std::string>{"status_socket"});
}

EdgeConfig valid_edge() {
  EdgeConfig c;
  c.tls.certificate = "edge.crt";
  c.tls.private_key = "edge.key";
  c.tls.ca = "ca.crt";
  c.tunnel.local_address = *core::IpAddress::parse("203.0.113.1");
  c.tunnel.local_prefixes = {*core::IpPrefix::parse("10.0.0.0/16")};
  SiteSettings site;
  site.id = "branch-001";
  site.prefixes = {*core::IpPrefix::parse("10.1.0.0/16")};
  site.reqid = 0x7071'0001;
  c.sites.push_back(site);
  return c;
}

TEST(ValidateEdge, SitesAreDistinct) {
  auto c = valid_edge();
  EXPECT_TRUE(validate(c).empty());
  auto second = c.sites[0];
  second.if_id = 7;
  second.prefixes = {*core::IpPrefix::parse("10.0.5.0/24")};  // inside the edge's own LAN
  second.remote_address = *core::IpAddress::parse("2001:db8::1");
  c.sites.push_back(second);
  EXPECT_EQ(keys_of(validate(c)),
            (std::vector<std::string>{"site[1].prefixes[0]", "site[1].remote_address", "site[1].id",
                                      "site[1].reqid"}));
  c.sites[0].if_id = 7;
  c.sites[1].id = "other";
  c.sites[1].reqid = 0x7071'0002;
  c.sites[1].prefixes = {*core::IpPrefix::parse("10.2.0.0/16")};
  c.sites[1].remote_address.reset();
  EXPECT_EQ(keys_of(validate(c)), std::vector<std::string>{"site[1].if_id"});
}

TEST(ValidateEdge, ListenAndTls) {
  auto c = valid_edge();
  c.listen.push_back(c.listen[0]);
  c.tls.groups = {"X448"};
  EXPECT_EQ(keys_of(validate(c)), (std::vector<std::string>{"listen[1]", "tls.groups[0]"}));
  c.listen.clear();
  c.tls.allow_classical = true;
  EXPECT_EQ(keys_of(validate(c)), std::vector<std::string>{"listen"});
}

}  // namespace
}  // namespace pqbranch::config
