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
