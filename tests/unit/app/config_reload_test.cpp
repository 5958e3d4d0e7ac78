// plan_reload: which changes to agent.toml a reload applies in place and which it refuses,
// key by key.

#include "pqbranch/app/config_reload.hpp"

#include <gtest/gtest.h>

#include "fakes/ip_text.hpp"

namespace pqbranch::app {
namespace {

using namespace std::chrono_literals;
using Strings = std::vector<std::string>;

using test::ip;

config::AgentConfig running() {
  config::AgentConfig c;
  c.tls.certificate = "/etc/pqbranch/site.crt";
  c.tls.private_key = "/etc/pqbranch/site.key";
  c.tls.ca = "/etc/pqbranch/edge-ca.crt";
  c.edge.endpoints = {
      config::EdgeEndpoint{config::Endpoint{"edge.example.net", 8443}, "edge.example.net"}};
  c.tunnel.local_address = ip("198.51.100.10");
  c.tunnel.remote_address = ip("203.0.113.1");
  c.tunnel.local_prefixes = {core::IpPrefix::parse("10.1.0.0/16").value()};
  c.tunnel.remote_prefixes = {core::IpPrefix::parse("10.0.0.0/16").value()};
  return c;
}

TEST(ConfigReload, AnUnchangedConfigChangesNothing) {
  const ReloadPlan plan = plan_reload(running(), running());
  EXPECT_TRUE(plan.accepted());
  EXPECT_TRUE(plan.hot.empty());
  EXPECT_EQ(plan.refusal(), "");
}

TEST(ConfigReload, RotationLogLevelEndpointsNamesHealthAndMetricsAreHot) {
  config::AgentConfig next = running();
  next.log_level = spdlog::level::debug;
  next.edge.endpoints.push_back(
      config::EdgeEndpoint{config::Endpoint{"edge2.example.net", 8443}, "edge2.example.net"});
  next.edge.endpoints[0].name = "edge-a.example.net";
  next.edge.connect_timeout = 3s;
  next.edge.backoff_initial = 2s;
  next.edge.backoff_max = 5min;
  next.rotation.interval = 2h;
  next.rotation.jitter = 1min;
  next.health.enabled = true;
  next.health.target = ip("10.0.0.1");
  next.metrics.listen = config::SocketAddress{ip("127.0.0.1"), 9464};
  const ReloadPlan plan = plan_reload(running(), next);
  EXPECT_TRUE(plan.accepted()) << plan.refusal();
  EXPECT_EQ(plan.hot, (Strings{"log_level", "edge.endpoints", "edge.name", "edge.connect_timeout",
                               "edge.backoff_initial", "edge.backoff_max", "rotation.interval",
                               "rotation.jitter", "health", "metrics.listen"}));
  EXPECT_TRUE(plan.changes("health"));
  EXPECT_FALSE(plan.changes("tls"));
}

TEST(ConfigReload, OnlyTheExpectedEdgeNameChangingIsHot) {
  config::AgentConfig next = running();
  next.edge.endpoints[0].name = "other.example.net";
  const ReloadPlan plan = plan_reload(running(), next);
  EXPECT_TRUE(plan.accepted());
  EXPECT_EQ(plan.hot, Strings{"edge.name"});
}

TEST(ConfigReload, WhatMakesTheTunnelIsRefusedNamingEachKey) {
  config::AgentConfig next = running();
  next.tunnel.mode = config::TunnelMode::policy;
  next.tunnel.local_address = ip("198.51.100.11");
  next.tunnel.remote_address = ip("203.0.113.2");
  next.tunnel.local_prefixes.push_back(core::IpPrefix::parse("10.2.0.0/16").value());
  next.tunnel.remote_prefixes.clear();
  next.tunnel.interface = "pqb1";
  next.tunnel.if_id = 7;
  next.tunnel.reqid = config::kDefaultReqidMin + 1;
  next.ownership.reqid_max = config::kDefaultReqidMin + 10;
  next.nat_traversal.mode = config::NatMode::force;
  next.rotation.interval = 2h;  // hot, but the reload is refused as a whole
  const ReloadPlan plan = plan_reload(running(), next);
  EXPECT_FALSE(plan.accepted());
  EXPECT_EQ(plan.tunnel,
            (Strings{"ownership", "tunnel.mode", "tunnel.local_address", "tunnel.remote_address",
                     "tunnel.local_prefixes", "tunnel.remote_prefixes", "tunnel.interface",
                     "tunnel.if_id", "tunnel.reqid", "nat_traversal"}));
  EXPECT_EQ(plan.hot, Strings{"rotation.interval"});
  EXPECT_TRUE(plan.restart.empty());
  EXPECT_EQ(plan.refusal(),
            "ownership, tunnel.mode, tunnel.local_address, tunnel.remote_address, "
            "tunnel.local_prefixes, tunnel.remote_prefixes, tunnel.interface, tunnel.if_id, "
            "tunnel.reqid, nat_traversal need(s) a new tunnel (flush and restart; not applied "
            "make-before-break)");
}

TEST(ConfigReload, FilesSocketsPeersUpdatesAndLifetimesNeedARestart) {
  config::AgentConfig next = running();
  next.state_directory = "/var/lib/other";
  next.status_socket = "/run/other.sock";
  next.tls.certificate = "/etc/pqbranch/new.crt";
  next.lifetime.hard_time = 3h;
  next.update.enabled = true;
  next.ikev2_peers.emplace_back();
  const ReloadPlan plan = plan_reload(running(), next);
  EXPECT_FALSE(plan.accepted());
  EXPECT_EQ(plan.restart, (Strings{"state_directory", "status_socket", "ikev2.peer", "tls",
                                   "lifetime", "update"}));
  EXPECT_NE(plan.refusal().find("need(s) a restart (installed SAs are adopted)"), std::string::npos)
      << plan.refusal();
}

TEST(ConfigReload, BothKindsOfRefusalAreNamedInOneReason) {
  config::AgentConfig next = running();
  next.tunnel.reqid = config::kDefaultReqidMin + 2;
  next.tls.ca = "/etc/pqbranch/other-ca.crt";
  EXPECT_EQ(plan_reload(running(), next).refusal(),
            "tunnel.reqid need(s) a new tunnel (flush and restart; not applied "
            "make-before-break); tls need(s) a restart (installed SAs are adopted)");
}

}  // namespace
}  // namespace pqbranch::app
