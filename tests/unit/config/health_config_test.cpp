// [health] in agent.toml: off without the section, defaults, bounds, and that the probes'
// addresses lie inside the tunnel's prefixes.

#include <string>

#include <gtest/gtest.h>

#include "pqbranch/config/agent_config.hpp"

#include "minimal_agent_toml.hpp"

namespace pqbranch::config {
namespace {

using namespace std::chrono_literals;

// The detail names the key and says why (after "file:line:col: ").
bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

constexpr const char* kMinimalAgent = fixtures::kMinimalAgentToml;

std::string with_health(const std::string& lines) {
  return std::string(kMinimalAgent) + "[health]\n" + lines;
}

TEST(HealthConfig, AbsentSectionMeansNoProbes) {
  const auto c = parse_agent_config(kMinimalAgent, "agent.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_FALSE(c->health.enabled);
}

TEST(HealthConfig, PresentSectionEnablesProbesWithTheDocumentedDefaults) {
  const auto c = parse_agent_config(with_health("target = \"10.0.0.1\"\n"), "agent.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  const auto& h = c->health;
  EXPECT_TRUE(h.enabled);
  EXPECT_EQ(h.target, *core::IpAddress::parse("10.0.0.1"));
  EXPECT_FALSE(h.source);
  EXPECT_EQ(h.interval, 1s);
  EXPECT_EQ(h.timeout, 1s);
  EXPECT_EQ(h.down_after, 3U);
  EXPECT_EQ(h.failover_after, 1min);
}

TEST(HealthConfig, ReadsEverySetting) {
  const auto c = parse_agent_config(with_health(R"(enabled = true
target = "10.0.200.7"
source = "10.1.0.1"
interval = "250ms"
timeout = "1s"
down_after = 5
failover_after = "3m"
)"),
                                    "agent.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  const auto& h = c->health;
  EXPECT_EQ(h.target, *core::IpAddress::parse("10.0.200.7"));
  ASSERT_TRUE(h.source);
  EXPECT_EQ(*h.source, *core::IpAddress::parse("10.1.0.1"));
  EXPECT_EQ(h.interval, 250ms);
  EXPECT_EQ(h.timeout, 1s);
  EXPECT_EQ(h.down_after, 5U);
  EXPECT_EQ(h.failover_after, 3min);
}

TEST(HealthConfig, DisabledSectionNeedsNoTarget) {
  const auto c = parse_agent_config(with_health("enabled = false\n"), "agent.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_FALSE(c->health.enabled);
}

TEST(HealthConfig, AnIpv6TargetNeedsABranchPrefixOfItsFamily) {
  std::string text = kMinimalAgent;
  const std::string remote = "remote_prefixes = [\"10.0.0.0/16\"";
  text.replace(text.find(remote), remote.size(), remote + ", \"fd00:e::/64\"");
  const auto r = parse_agent_config(text + "[health]\ntarget = \"fd00:e::1\"\n", "agent.toml");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::invalid_value);
  EXPECT_TRUE(contains(r.error().detail,
                       "health.target: tunnel.local_prefixes has no prefix of its address "
                       "family to send probes from"))
      << r.error().detail;
}

struct HealthBadCase {
  const char* name;
  std::string lines;
  errc code;
  std::string detail;  // a part of the error's detail, after the place
};

void PrintTo(const HealthBadCase& c, std::ostream* os) {
  *os << c.name;
}

class HealthConfigRejects : public testing::TestWithParam<HealthBadCase> {};

TEST_P(HealthConfigRejects, NamingTheKey) {
  const auto& c = GetParam();
  const auto r = parse_agent_config(with_health(c.lines), "agent.toml");
  ASSERT_FALSE(r.has_value()) << c.lines;
  EXPECT_EQ(r.error().code, c.code) << r.error().detail;
  EXPECT_TRUE(contains(r.error().detail, "agent.toml:1")) << r.error().detail;
  EXPECT_TRUE(contains(r.error().detail, c.detail)) << r.error().detail;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HealthConfigRejects,
    testing::Values(
        HealthBadCase{"missing_target", "interval = \"1s\"\n", errc::missing_key, "health: "},
        HealthBadCase{"target_outside_the_edge_prefixes", "target = \"10.1.0.9\"\n",
                      errc::invalid_value,
                      "health.target: 10.1.0.9 is not inside tunnel.remote_prefixes: probes to it "
                      "would not use the tunnel"},
        HealthBadCase{"source_outside_the_branch_prefixes",
                      "target = \"10.0.0.1\"\nsource = \"192.168.1.1\"\n", errc::invalid_value,
                      "health.source: 192.168.1.1 is not inside tunnel.local_prefixes"},
        HealthBadCase{"interval_too_short", "target = \"10.0.0.1\"\ninterval = \"50ms\"\n",
                      errc::out_of_range, "health.interval: "},
        HealthBadCase{"interval_too_long", "target = \"10.0.0.1\"\ninterval = \"2m\"\n",
                      errc::out_of_range, "health.interval: "},
        HealthBadCase{"down_after_below_three", "target = \"10.0.0.1\"\ndown_after = 2\n",
                      errc::out_of_range, "health.down_after: "},
        HealthBadCase{"timeout_longer_than_the_down_window",
                      "target = \"10.0.0.1\"\ntimeout = \"10s\"\n", errc::invalid_value,
                      "health.timeout: must not exceed interval * down_after (3s)"},
        HealthBadCase{"unknown_key", "target = \"10.0.0.1\"\nrate = \"1s\"\n", errc::unknown_key,
                      "health.rate"}));

}  // namespace
}  // namespace pqbranch::config
