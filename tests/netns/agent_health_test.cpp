// The agent's health probes as AgentAssembly wires them, in a namespace of the test's own
// with the probe target behind a veth in a second one: a tunnel that goes down (replies
// dropped by a blackhole route) starts a rotation at once, and after failover_after the
// next rotation goes through the next edge endpoint. Key service over loopback, FakeKernels.

#include <chrono>
#include <filesystem>
#include <functional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pqbranch/app/agent_assembly.hpp"
#include "pqbranch/app/edge_assembly.hpp"

#include "fakes/test_netns.hpp"
#include "fakes/test_pki.hpp"
#include "fakes/two_sites.hpp"
#include "fakes/xfrm/fake_kernel.hpp"

namespace pqbranch::test {
namespace {

using namespace std::chrono_literals;

app::AssemblyDeps deps(FakeKernel& kernel) {
  app::AssemblyDeps d;
  d.kernel = [&kernel](const xfrm::Ownership&) {
    return core::Result<std::shared_ptr<xfrm::Kernel>>(app::borrowed<xfrm::Kernel>(kernel));
  };
  return d;
}

TEST(AgentHealth, DownRotatesAtOnceAndFailoverMovesTheNextRotationToTheNextEndpoint) {
  const auto branch = TestNetns::create();
  const auto edge_side = TestNetns::create();
  ASSERT_TRUE(branch && edge_side);
  // branch: 10.1.0.1 (inside branch-1's prefixes); edge side: 10.9.0.1 (inside the edge's).
  const auto a = branch->sh(fmt::format(
      "ip link set lo up && ip link add pqh0 type veth peer name pqh1 netns {} && "
      "ip addr add 192.168.78.1/30 dev pqh0 && ip link set pqh0 up && "
      "ip addr add 10.1.0.1/32 dev lo && ip route add 10.9.0.0/16 via 192.168.78.2 src 10.1.0.1 "
      "&& sysctl -qw net.ipv4.ping_group_range='0 2147483647'",
      edge_side->name()));
  ASSERT_EQ(a.status, 0) << a.output;
  const auto b = edge_side->sh(
      "ip link set lo up && ip addr add 192.168.78.2/30 dev pqh1 && ip link set pqh1 up && "
      "ip addr add 10.9.0.1/32 dev lo && ip route add 10.1.0.0/16 via 192.168.78.1");
  ASSERT_EQ(b.status, 0) << b.output;

  branch->run_inside([&] {
    auto pki = TestPki::create(PkiAlgorithm::ecdsa_p256);
    ASSERT_TRUE(pki) << pki.error().message();
    const IssuedCert edge_cert = pki->issue("edge.test", CertRole::server).value();
    const IssuedCert branch_cert = pki->issue("branch-1", CertRole::client).value();
    std::filesystem::create_directories(pki->dir() / "edge");
    std::filesystem::create_directories(pki->dir() / "agent");
    boost::asio::io_context io;
    core::SystemClock clock;
    FakeKernel edge_kernel{clock};
    FakeKernel agent_kernel{clock};

    app::EdgeAssemblyOptions eo;
    eo.server = [&](keysvc::EdgeServerOptions& o) {
      o.listen = {config::SocketAddress{ip("127.0.0.1"), 0}};
      o.tls = pki->tls_options(edge_cert);
      o.bypass_policies = false;
    };
    auto edge = app::EdgeAssembly::create(
        io, two_site_edge_config(pki->dir() / "edge", config::NatMode::off), deps(edge_kernel),
        std::move(eo));
    ASSERT_TRUE(edge) << edge.error().message();
    ASSERT_TRUE((*edge)->start());

    auto config = branch1_agent_config(pki->dir() / "agent");
    const std::uint16_t port = (*edge)->server().ports().at(0);
    // Two endpoints, both the same edge: a failover shows as an attempt on endpoint 1.
    config.edge.endpoints = {
        config::EdgeEndpoint{config::Endpoint{"127.0.0.1", port}, "edge.test"},
        config::EdgeEndpoint{config::Endpoint{"127.0.0.1", port}, "edge.test"}};
    config.tls.certificate = branch_cert.certificate;
    config.tls.private_key = branch_cert.private_key;
    config.tls.ca = pki->ca_file();
    config.health.enabled = true;
    config.health.target = ip("10.9.0.1");  // source: found among the branch's addresses

    std::vector<std::size_t> connects;  // endpoint of each attempt
    std::vector<health::Transition> transitions;
    app::AgentAssemblyOptions ao;
    ao.settings = [](app::AgentSettings& s) {
      s.client.bypass_tunnel = false;
      s.rotation.interval = 1h;  // nothing rotates on the schedule during the test
      s.rotation.jitter = rotation::Duration::zero();
    };
    ao.executor = [&](keysvc::AgentExecutorOptions& o) {
      o.observer = [&](const rotation::AgentAction& action) {
        if (const auto* c = std::get_if<rotation::Connect>(&action))
          connects.push_back(c->endpoint);
      };
    };
    ao.health = [&](health::HealthMonitorOptions& o) {
      o.probe.interval = 20ms;
      o.probe.timeout = 100ms;
      o.machine.failover_after = 500ms;
      o.observer = [&](const health::Transition& t) { transitions.push_back(t); };
    };
    auto agent = app::AgentAssembly::create(io, config, deps(agent_kernel), std::move(ao));
    ASSERT_TRUE(agent) << agent.error().message();
    ASSERT_TRUE((*agent)->start());
    ASSERT_NE((*agent)->health(), nullptr);
    EXPECT_EQ((*agent)->health()->source(), ip("10.1.0.1"));

    const auto run_until = [&](const std::function<bool()>& done) {
      const auto deadline = std::chrono::steady_clock::now() + 30s;
      while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        io.run_one_for(20ms);
      }
      return true;
    };
    ASSERT_TRUE(run_until([&] {
      return (*agent)->executor()->rotations() >= 1 &&
             (*agent)->health()->status().probes_answered >= 5;
    }));
    EXPECT_EQ((*agent)->health()->status().state, health::HealthState::healthy);
    ASSERT_EQ(connects, std::vector<std::size_t>{0});

    ASSERT_EQ(edge_side->sh("ip route replace blackhole 10.1.0.0/16").status, 0);
    ASSERT_TRUE(
        run_until([&] { return (*agent)->health()->status().state == health::HealthState::down; }));
    // Down: a rotation at once, through the first endpoint...
    ASSERT_TRUE(run_until([&] { return connects.size() >= 2; }));
    EXPECT_EQ(connects[1], 0U);
    // ...and, still down after failover_after, one through the next.
    ASSERT_TRUE(run_until([&] { return connects.size() >= 3; }));
    EXPECT_EQ(connects[2], 1U);
    EXPECT_NE((*agent)->status_json().find(R"("health":{"state":"down")"), std::string::npos)
        << (*agent)->status_json();
    EXPECT_EQ((*agent)->metrics().value("tunnel_health_state"), 2);
    ASSERT_GE(transitions.size(), 2U);
    EXPECT_EQ(transitions.back().to, health::HealthState::down);

    (*agent)->stop();
    (*edge)->stop();
    for (int i = 0; i < 100 && io.poll() > 0; ++i) {
    }
  });
}

}  // namespace
}  // namespace pqbranch::test
