#include "agent_edge_fixture.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "pqbranch/keysvc/edge_site.hpp"
#include "pqbranch/tunnel/tunnel_setup.hpp"

#include "fakes/loopback_udp.hpp"

namespace pqbranch::test {
namespace {

core::IpAddress ip(const char* text) {
  return core::IpAddress::parse(text).value();
}
core::IpPrefix net(const char* text) {
  return core::IpPrefix::parse(text).value();
}

const core::IpAddress kEdgeOuter = ip("198.51.100.1");
const core::IpAddress kBranch1Outer = ip("192.0.2.1");
constexpr std::uint32_t kBranch1Reqid = 0x70710001;
constexpr std::uint32_t kBranch2Reqid = 0x70710002;

bool ours(const xfrm::SaState& sa) {
  return !sa.larval && sa.reqid == kBranch1Reqid;
}

std::optional<xfrm::SaState> find_sa(FakeKernel& k, xfrm::SaDirection d, std::uint32_t spi) {
  for (auto& sa : k.sas()) {
    if (ours(sa) && sa.direction == d && sa.spi == spi) return sa;
  }
  return std::nullopt;
}

std::optional<xfrm::Policy> out_policy(FakeKernel& k) {
  for (const auto& p : k.policies()) {
    if (p.policy.direction == xfrm::PolicyDirection::out && !p.policy.templates.empty() &&
        p.policy.templates[0].reqid == kBranch1Reqid) {
      return p.policy;
    }
  }
  return std::nullopt;
}

std::size_t policies_of_branch1(FakeKernel& k) {
  const auto ps = k.policies();
  return static_cast<std::size_t>(std::count_if(ps.begin(), ps.end(), [](const auto& p) {
    return !p.policy.templates.empty() && p.policy.templates[0].reqid == kBranch1Reqid;
  }));
}

// The peer's inbound SA for `sa` (same SPI, same key), if it has one.
bool covered(FakeKernel& from, const xfrm::SaState& sa, FakeKernel& to) {
  const auto peer = find_sa(to, xfrm::SaDirection::in, sa.spi);
  if (!peer) return false;
  const core::SecureBytes* mine = from.key_of(sa.id());
  const core::SecureBytes* theirs = to.key_of(peer->id());
  return mine != nullptr && theirs != nullptr && theirs->equals(mine->span());
}

}  // namespace

void AgentEdgeFixture::SetUp() {
  logs_.emplace();
  auto pki = TestPki::create(PkiAlgorithm::ecdsa_p256);
  ASSERT_TRUE(pki.has_value()) << pki.error().message();
  pki_.emplace(std::move(*pki));
  edge_cert_ = pki_->issue("edge.test", CertRole::server).value();
  branch1_ = pki_->issue("branch-1", CertRole::client).value();
  branch2_ = pki_->issue("branch-2", CertRole::client).value();
  stranger_ = pki_->issue("branch-9", CertRole::client).value();
  edge_state_ = pki_->dir() / "edge";
  agent_state_ = pki_->dir() / "agent";
  std::filesystem::create_directories(edge_state_);
  std::filesystem::create_directories(agent_state_);

  edge_config_.state_directory = edge_state_;
  edge_config_.tunnel.local_address = kEdgeOuter;
  edge_config_.tunnel.local_prefixes = {net("10.9.0.0/16")};
  edge_config_.nat_traversal.mode = config::NatMode::off;
  config::SiteSettings b1;
  b1.id = "branch-1";
  b1.remote_address = kBranch1Outer;
  b1.prefixes = {net("10.1.0.0/16")};
  b1.reqid = kBranch1Reqid;
  config::SiteSettings b2 = b1;
  b2.id = "branch-2";
  b2.remote_address = ip("192.0.2.2");
  b2.prefixes = {net("10.2.0.0/16")};
  b2.reqid = kBranch2Reqid;
  edge_config_.sites = {b1, b2};
}

void AgentEdgeFixture::TearDown() {
  executor_.reset();
  client_.reset();
  if (edge_) stop_edge();
  for (int i = 0; i < 100 && io_.poll() > 0; ++i) {
  }
}

// --- edge ---

void AgentEdgeFixture::start_edge(std::uint16_t port) {
  if (edge_config_.nat_traversal.mode != config::NatMode::off && edge_nat_port_ == 0) {
    // The offer names the edge's configured port, so configure the one it will bind (a
    // free one, kept across restarts).
    auto probe = loopback_udp_socket({}, 0);
    ASSERT_TRUE(probe.has_value());
    edge_nat_port_ = xfrm::local_port(probe->get()).value();
  }
  if (edge_nat_port_ != 0) edge_config_.nat_traversal.port = edge_nat_port_;
  auto options = keysvc::edge_server_options(edge_config_);
  options.listen = {config::SocketAddress{ip("127.0.0.1"), port}};
  options.tls = pki_->tls_options(edge_cert_);
  options.bypass_policies = false;  // the netns tests cover the bypass
  options.io_timeout = std::chrono::seconds(3);
  options.nat_address = ip("127.0.0.1");
  options.nat_port = edge_nat_port_;
  options.open_nat_socket = loopback_udp_socket;
  keysvc::EdgeExecutorOptions ex;
  ex.sites = keysvc::edge_sites(edge_config_);
  for (keysvc::EdgeSite& s : ex.sites) {
    s.rotation.grace = std::chrono::milliseconds(30);
    s.rotation.outbound_drain = std::chrono::milliseconds(10);  // shorter than the grace
    s.rotation.counter_poll = std::chrono::milliseconds(10);
    s.rotation.retry = std::chrono::milliseconds(50);
  }
  ex.nat_mode = edge_config_.nat_traversal.mode;
  ex.observer = [this](const keysvc::AppliedEdgeAction& a) {
    check(fmt::format("edge {}", a.action->index()));
  };
  edge_ = std::make_unique<keysvc::EdgeServer>(io_, edge_kernel_, nullptr, edge_metrics_, options,
                                               std::move(ex));
  auto started = edge_->start();
  ASSERT_TRUE(started.has_value()) << started.error().message();
  edge_port_ = edge_->ports().at(0);
}

void AgentEdgeFixture::stop_edge() {
  edge_->stop();
  // Let the server's coroutines see the cancellation before it goes.
  for (int i = 0; i < 100 && io_.poll() > 0; ++i) {
  }
  edge_.reset();
}

const rotation::EdgeRotation& AgentEdgeFixture::edge_site1() {
  auto& ex = edge_->executor();
  return ex.rotation(ex.find_site("branch-1").value());
}

// --- agent ---

void AgentEdgeFixture::start_agent(AgentSetup setup) {
  tunnel::TunnelLayout layout;
  layout.local_address = kBranch1Outer;
  layout.remote_address = kEdgeOuter;
  layout.local_prefixes = {net("10.1.0.0/16")};
  layout.remote_prefixes = {net("10.9.0.0/16")};
  layout.reqid = kBranch1Reqid;
  ASSERT_TRUE(tunnel::setup_tunnel(agent_kernel_, nullptr, layout));

  const IssuedCert& cert = setup.certificate != nullptr ? *setup.certificate : branch1_;
  if (setup.ports.empty()) setup.ports = {edge_port_};
  keysvc::AgentClientOptions co;
  for (std::uint16_t p : setup.ports)
    co.endpoints.push_back(config::Endpoint{setup.host, p});
  co.tls = pki_->tls_options(cert);
  co.tls.peer_name.clear();  // connecting by address: the chain to the CA is checked
  co.connect_timeout = std::chrono::seconds(2);
  co.io_timeout = std::chrono::seconds(2);
  co.bypass_tunnel = false;  // the netns tests cover the bypass
  if (setup.nat) {
    keysvc::NatOptions n;
    n.local_address = ip("127.0.0.1");
    n.local_port = 0;
    n.edge_address = ip("127.0.0.1");
    n.edge_port = edge_->nat_port();
    n.keepalive = std::chrono::milliseconds(50);
    n.hello_gap = std::chrono::milliseconds(1);
    n.open_socket = loopback_udp_socket;
    co.nat = n;
  }
  if (setup.tweak) setup.tweak(co);
  auto client = keysvc::AgentClient::create(io_, co, agent_metrics_);
  ASSERT_TRUE(client.has_value()) << client.error().message();
  client_ = std::move(*client);
  keysvc::AgentTransport& transport = setup.wrap ? setup.wrap(*client_) : *client_;

  keysvc::AgentExecutorOptions eo;
  rotation::TunnelConfig& t = eo.rotation.tunnel;
  t.local = kBranch1Outer;
  t.remote = kEdgeOuter;
  t.reqid = kBranch1Reqid;
  if (auto p = client_->nat_port()) t.nat_port = *p;
  eo.rotation.endpoints = setup.ports.size();
  eo.rotation.interval = setup.interval;
  eo.rotation.jitter = rotation::Duration::zero();
  eo.rotation.grace = std::chrono::milliseconds(30);
  eo.rotation.outbound_drain = std::chrono::milliseconds(10);
  eo.rotation.counter_poll = std::chrono::milliseconds(10);
  eo.rotation.exchange_timeout = std::chrono::seconds(3);
  eo.rotation.retry_initial = std::chrono::milliseconds(20);
  eo.rotation.retry_max = std::chrono::milliseconds(100);
  eo.rotation.cleanup_retry = std::chrono::milliseconds(50);
  eo.state_file = agent_state_ / keysvc::kAgentStateFileName;
  auto engine = std::make_shared<std::mt19937_64>(7);
  eo.random = [engine] { return (*engine)(); };
  eo.observer = [this](const rotation::AgentAction& a) {
    check(std::string("agent ") + keysvc::action_name(a));
  };
  eo.fault = std::move(setup.fault);
  executor_ = std::make_unique<keysvc::AgentExecutor>(io_, agent_kernel_, transport, agent_metrics_,
                                                      std::move(eo));
  try {
    auto started = executor_->start();
    ASSERT_TRUE(started.has_value()) << started.error().message();
  } catch (const AgentKilled&) {
    ++agent_kills_;
    executor_.reset();
    client_.reset();
  }
}

void AgentEdgeFixture::stop_agent() {
  if (executor_) executor_->stop();
  executor_.reset();
  client_.reset();
}

bool AgentEdgeFixture::run_until(const std::function<bool()>& done,
                                 std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    if (io_.stopped()) io_.restart();
    try {
      io_.run_one_for(std::chrono::milliseconds(20));
    } catch (const AgentKilled&) {
      // As after SIGKILL: whatever the agent did is in the kernel and the state file;
      // its sockets close (the edge sees the connection drop).
      ++agent_kills_;
      executor_.reset();
      client_.reset();
    }
  }
  return true;
}

bool AgentEdgeFixture::run_until_agent_generation(rotation::Generation g) {
  return run_until([&] { return executor_ && executor_->rotation().generation() >= g; });
}

bool AgentEdgeFixture::settled() {
  if (!executor_ || !edge_) return false;
  std::vector<xfrm::SaState> agent_out;
  std::vector<xfrm::SaState> edge_out;
  for (auto& sa : agent_kernel_.sas()) {
    if (sa.larval) return false;
    if (ours(sa) && sa.direction == xfrm::SaDirection::out) agent_out.push_back(sa);
  }
  for (auto& sa : edge_kernel_.sas()) {
    if (ours(sa) && sa.direction == xfrm::SaDirection::out) edge_out.push_back(sa);
  }
  const auto& edge = edge_site1();
  return agent_out.size() == 1 && edge_out.size() == 1 && edge.pending() == 0 &&
         edge.generation() == executor_->rotation().generation() &&
         covered(agent_kernel_, agent_out[0], edge_kernel_) &&
         covered(edge_kernel_, edge_out[0], agent_kernel_);
}

void AgentEdgeFixture::expect_no_key_in_logs() {
  ASSERT_FALSE(keys_seen_.empty());
  for (const core::SecureBytes& k : keys_seen_)
    EXPECT_FALSE(logs_->contains_key_bytes(k.span()));
}

// --- the checks ---

void AgentEdgeFixture::check(const std::string& after) {
  ++checks_;
  auto verify = [&](FakeKernel& from, FakeKernel& to, const char* side) {
    for (auto& sa : from.sas()) {
      if (!ours(sa)) continue;
      if (std::find(spis_seen_.begin(), spis_seen_.end(), sa.spi) == spis_seen_.end()) {
        if (const core::SecureBytes* k = from.key_of(sa.id())) {
          spis_seen_.push_back(sa.spi);
          keys_seen_.push_back(k->clone());
        }
      }
      if (sa.direction != xfrm::SaDirection::out) continue;
      if (!covered(from, sa, to)) {
        violations_.push_back(
            fmt::format("after {}: {} outbound SPI 0x{:08x} has no matching "
                        "inbound SA on the peer",
                        after, side, sa.spi));
      }
    }
  };
  verify(agent_kernel_, edge_kernel_, "agent");
  verify(edge_kernel_, agent_kernel_, "edge");
  // Policies are installed once and never removed (fail closed).
  if (policies_of_branch1(agent_kernel_) != 3 && executor_) {
    violations_.push_back("after " + after + ": agent policies changed");
  }
  if (edge_ && policies_of_branch1(edge_kernel_) != 3) {
    violations_.push_back("after " + after + ": edge policies changed");
  }
  // One packet each way through whatever SA the kernel would pick right now.
  auto send = [&](FakeKernel& from, FakeKernel& to) {
    const auto policy = out_policy(from);
    if (!policy) return;
    const auto sa = from.select_outbound(*policy);
    if (!sa) return;  // no SA: the policy drops it (before the first generation)
    if (!covered(from, *sa, to)) {
      ++lost_;
      return;
    }
    ++delivered_;
    if (move_counters_) {
      (void)to.account_traffic(find_sa(to, xfrm::SaDirection::in, sa->spi)->id(), 100, 1);
    }
  };
  send(agent_kernel_, edge_kernel_);
  send(edge_kernel_, agent_kernel_);
}

}  // namespace pqbranch::test
