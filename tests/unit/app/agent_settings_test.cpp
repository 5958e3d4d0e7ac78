#include "pqbranch/app/agent_settings.hpp"

#include <gtest/gtest.h>

#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/keysvc/agent_executor.hpp"

#include "fakes/test_paths.hpp"

namespace pqbranch::app {
namespace {

using keysvc::kAgentStateFileName;

TEST(AgentSettings, MapsTheSampleConfig) {
  auto cfg = config::load_agent_config(test::source_dir() / "packaging" / "agent.toml");
  ASSERT_TRUE(cfg) << cfg.error().message();
  const AgentSettings s = agent_settings(*cfg);
  const bool route = cfg->tunnel.mode == config::TunnelMode::route;
  EXPECT_EQ(s.layout.route_mode, route);
  EXPECT_EQ(s.rotation.tunnel.if_id, route ? cfg->tunnel.if_id : 0U);
  EXPECT_EQ(s.ownership.if_id.has_value(), route);
  EXPECT_EQ(s.rotation.tunnel.reqid, cfg->tunnel.reqid);
  EXPECT_EQ(s.rotation.endpoints, cfg->edge.endpoints.size());
  EXPECT_EQ(s.client.endpoints, cfg->edge.endpoints);
  // interval ± jitter: the machine adds [0, 2·jitter] to interval − jitter.
  EXPECT_EQ(s.rotation.interval + s.rotation.jitter, cfg->rotation.interval + cfg->rotation.jitter);
  EXPECT_EQ(s.rotation.interval, cfg->rotation.interval - cfg->rotation.jitter);
  EXPECT_EQ(s.state_file, cfg->state_directory / kAgentStateFileName);
  EXPECT_EQ(s.client.tls.group_policy.groups, cfg->tls.groups);
  EXPECT_EQ(s.client.nat.has_value(), cfg->nat_traversal.mode != config::NatMode::off);
  EXPECT_EQ(s.rotation.tunnel.nat_port != 0, s.client.nat.has_value());
}

}  // namespace
}  // namespace pqbranch::app

namespace pqbranch::app {
namespace {

TEST(AgentSettings, HealthIsOffWithoutTheSectionAndMapsItsKeysWithIt) {
  auto cfg = config::load_agent_config(test::source_dir() / "packaging" / "agent.toml");
  ASSERT_TRUE(cfg) << cfg.error().message();
  EXPECT_FALSE(agent_settings(*cfg).health);

  cfg->health.enabled = true;
  cfg->health.target = cfg->tunnel.remote_prefixes.front().address();
  cfg->health.interval = std::chrono::milliseconds{500};
  cfg->health.timeout = std::chrono::milliseconds{700};
  cfg->health.down_after = 4;
  cfg->health.failover_after = std::chrono::seconds{90};
  const AgentSettings s = agent_settings(*cfg);
  ASSERT_TRUE(s.health);
  EXPECT_EQ(s.health->probe.target, cfg->health.target);
  EXPECT_EQ(s.health->probe.interval, std::chrono::milliseconds{500});
  EXPECT_EQ(s.health->probe.timeout, std::chrono::milliseconds{700});
  EXPECT_EQ(s.health->machine.down_after, 4U);
  EXPECT_EQ(s.health->machine.failover_after, std::chrono::seconds{90});
  EXPECT_FALSE(s.health->source_configured);
  EXPECT_EQ(s.health->source_prefixes, cfg->tunnel.local_prefixes);

  cfg->health.source = cfg->tunnel.local_prefixes.front().address();
  const AgentSettings with_source = agent_settings(*cfg);
  ASSERT_TRUE(with_source.health);
  EXPECT_TRUE(with_source.health->source_configured);
  EXPECT_EQ(with_source.health->probe.source, *cfg->health.source);
}

}  // namespace
}  // namespace pqbranch::app
