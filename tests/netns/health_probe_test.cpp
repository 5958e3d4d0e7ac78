// The health monitor's real ICMP prober between two namespaces of the test's own: answered
// probes keep the tunnel healthy, replies dropped by a blackhole route make it go down (and
// ask for a rotation), and removing the blackhole brings it back up.
#include <chrono>
#include <functional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pqbranch/health/errc.hpp"
#include "pqbranch/health/health_monitor.hpp"

#include "fakes/test_netns.hpp"

namespace pqbranch::health {
namespace {

using namespace std::chrono_literals;
using test::TestNetns;

core::IpAddress address(const char* text) {
  return *core::IpAddress::parse(text);
}

// branch (10.1.0.1) -- veth -- edge (10.0.0.1), each address on its side's loopback.
struct TwoSides {
  std::unique_ptr<TestNetns> branch = TestNetns::create();
  std::unique_ptr<TestNetns> edge = TestNetns::create();

  bool wire(const char* ping_group_range = "0 2147483647") {
    if (!branch || !edge) return false;
    const auto a = branch->sh(
        fmt::format("ip link set lo up && ip link add pqh0 type veth peer name pqh1 netns {} && "
                    "ip addr add 192.168.77.1/30 dev pqh0 && ip link set pqh0 up && "
                    "ip addr add 10.1.0.1/32 dev lo && "
                    "ip route add 10.0.0.0/16 via 192.168.77.2 src 10.1.0.1 && "
                    "sysctl -qw net.ipv4.ping_group_range='{}'",
                    edge->name(), ping_group_range));
    const auto b = edge->sh(
        "ip link set lo up && ip addr add 192.168.77.2/30 dev pqh1 && ip link set pqh1 up && "
        "ip addr add 10.0.0.1/32 dev lo && ip route add 10.1.0.0/16 via 192.168.77.1");
    EXPECT_EQ(a.status, 0) << a.output;
    EXPECT_EQ(b.status, 0) << b.output;
    return a.status == 0 && b.status == 0;
  }
};

HealthMonitorOptions fast_options() {
  HealthMonitorOptions o;
  o.probe.source = address("10.1.0.1");
  o.probe.target = address("10.0.0.1");
  o.probe.interval = 20ms;
  o.probe.timeout = 100ms;
  o.machine.down_after = 3;
  return o;
}

// Runs `io` until `done()` or the deadline; false on the deadline.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::seconds deadline = 20s) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    io.run_for(10ms);
  }
  return true;
}

TEST(HealthProbe, AnsweredProbesStayHealthyAndABlackholeMakesTheTunnelGoDownAndBackUp) {
  TwoSides sides;
  ASSERT_TRUE(sides.wire());
  boost::asio::io_context io;
  core::Metrics metrics;
  std::vector<Transition> seen;
  int rotations = 0;
  HealthMonitorOptions o = fast_options();
  o.observer = [&](const Transition& t) { seen.push_back(t); };
  o.rotate_now = [&] { ++rotations; };
  auto monitor =
      sides.branch->run_inside([&] { return HealthMonitor::create(io, std::move(o), metrics); });
  ASSERT_TRUE(monitor) << monitor.error().message();
  HealthMonitor& m = **monitor;
  m.start();

  ASSERT_TRUE(run_until(io, [&] { return m.status().probes_answered >= 20; }))
      << "answered: " << m.status().probes_answered << ", lost: " << m.status().probes_lost;
  EXPECT_EQ(m.status().state, HealthState::healthy);
  EXPECT_EQ(m.status().probes_lost, 0U);
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(metrics.value("tunnel_health_state"), 0);
  EXPECT_GE(metrics.value("health_probes_sent_total"), 20);

  // The edge drops its replies: probes leave, no answer comes back.
  ASSERT_EQ(sides.edge->sh("ip route replace blackhole 10.1.0.0/16").status, 0);
  ASSERT_TRUE(run_until(io, [&] { return m.status().state == HealthState::down; }));
  EXPECT_EQ(rotations, 1);
  EXPECT_EQ(metrics.value("tunnel_health_state"), 2);
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0].to, HealthState::degraded);
  EXPECT_EQ(seen[1].to, HealthState::down);

  ASSERT_EQ(sides.edge->sh("ip route replace 10.1.0.0/16 via 192.168.77.1").status, 0);
  ASSERT_TRUE(run_until(io, [&] { return m.status().state != HealthState::down; }));
  // The losses stay in the 5-minute window: degraded, not yet healthy.
  EXPECT_EQ(m.status().state, HealthState::degraded);
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[2].from, HealthState::down);
  EXPECT_EQ(rotations, 1);
  EXPECT_GE(m.status().probes_lost, 3U);
  EXPECT_EQ(metrics.value("health_probes_lost_total"),
            static_cast<std::int64_t>(m.status().probes_lost));
  m.stop();
}

TEST(HealthProbe, ASourceAddressOutsideThisHostIsRefusedAtCreate) {
  TwoSides sides;
  ASSERT_TRUE(sides.wire());
  boost::asio::io_context io;
  core::Metrics metrics;
  HealthMonitorOptions o = fast_options();
  o.probe.source = address("10.1.0.99");
  auto monitor =
      sides.branch->run_inside([&] { return HealthMonitor::create(io, std::move(o), metrics); });
  ASSERT_FALSE(monitor);
  EXPECT_EQ(monitor.error(), errc::bind_failed);
}

TEST(HealthProbe, AGroupOutsidePingGroupRangeGetsAClearError) {
  TwoSides sides;
  ASSERT_TRUE(sides.wire("1 0"));  // the kernel's default: nobody
  boost::asio::io_context io;
  core::Metrics metrics;
  auto monitor =
      sides.branch->run_inside([&] { return HealthMonitor::create(io, fast_options(), metrics); });
  ASSERT_FALSE(monitor);
  EXPECT_EQ(monitor.error(), errc::socket_unavailable);
  EXPECT_NE(monitor.error().message().find("net.ipv4.ping_group_range"), std::string::npos)
      << monitor.error().message();
}

}  // namespace
}  // namespace pqbranch::health
