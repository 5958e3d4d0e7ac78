#include "agent_edge_fixture.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "pqbranch/keysvc/edge_site.hpp"

#include "fakes/edge_idle.hpp"
#include "fakes/loopback_udp.hpp"

namespace pqbranch::test {
namespace {

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

  edge_config_ = two_site_edge_config(edge_state_, config::NatMode::off);
}

void AgentEdgeFixture::TearDown() {
  drop_agent();
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
  app::EdgeAssemblyOptions assembly;
  assembly.server = [&](keysvc::EdgeServerOptions& options) {
    options.listen = {config::SocketAddress{ip("127.0.0.1"), port}};
    options.tls = pki_->tls_options(edge_cert_);
    options.bypass_policies = false;  // the netns tests cover the bypass
    options.io_timeout = std::chrono::seconds(3);
    options.nat_address = ip("127.0.0.1");
    options.nat_port = edge_nat_port_;
    options.open_nat_socket = loopback_udp_socket;
    if (edge_tweak_) edge_tweak_(options);
  };
  assembly.executor = [this](keysvc::EdgeExecutorOptions& ex) {
    for (keysvc::EdgeSite& s : ex.sites) {
      s.rotation.grace = grace_;
      s.rotation.outbound_drain = std::chrono::milliseconds(10);  // shorter than the grace
      s.rotation.counter_poll = std::chrono::milliseconds(10);
      s.rotation.retry = std::chrono::milliseconds(50);
      // The agent here rotates every few milliseconds: no per-site rate limit.
      s.rotation.limits.refill = rotation::Duration::zero();
    }
    ex.observer = [this](const keysvc::AppliedEdgeAction& a) {
      check(fmt::format("edge {}", a.action->index()));
    };
  };
  app::AssemblyDeps deps;
  deps.kernel = [this](const xfrm::Ownership&) {
    return core::Result<std::shared_ptr<xfrm::Kernel>>(app::borrowed<xfrm::Kernel>(edge_kernel_));
  };
  deps.metrics = &edge_metrics_;
  auto built = app::EdgeAssembly::create(io_, edge_config_, deps, std::move(assembly));
  ASSERT_TRUE(built.has_value()) << built.error().message();
  edge_assembly_ = std::move(*built);
  edge_ = &edge_assembly_->server();
  auto started = edge_assembly_->start();
  ASSERT_TRUE(started.has_value()) << started.error().message();
  edge_port_ = edge_->ports().at(0);
}

void AgentEdgeFixture::stop_edge() {
  edge_->stop();
  // Let the server's coroutines see the cancellation and finish before it goes.
  EXPECT_TRUE(run_until_edge_idle(io_, *edge_));
  for (int i = 0; i < 100 && io_.poll() > 0; ++i) {
  }
  edge_ = nullptr;
  edge_assembly_.reset();
}

const rotation::EdgeRotation& AgentEdgeFixture::edge_site1() {
  auto& ex = edge_->executor();
  return ex.rotation(ex.find_site("branch-1").value());
}

// --- agent ---

void AgentEdgeFixture::start_agent(AgentSetup setup) {
  const IssuedCert& cert = setup.certificate != nullptr ? *setup.certificate : branch1_;
  if (setup.ports.empty()) setup.ports = {edge_port_};
  app::AgentAssemblyOptions assembly;
  assembly.status_socket = false;
  assembly.fault = std::move(setup.fault);
  assembly.settings = [&](app::AgentSettings& s) {
    keysvc::AgentClientOptions& co = s.client;
    co.endpoints.clear();
    for (std::uint16_t p : setup.ports)
      co.endpoints.push_back(config::EdgeEndpoint{config::Endpoint{setup.host, p}, setup.name});
    co.tls = pki_->tls_options(cert);
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
    rotation::AgentRotationConfig& r = s.rotation;
    r.endpoints = setup.ports.size();
    r.interval = setup.interval;
    r.jitter = rotation::Duration::zero();
    r.grace = grace_;
    r.outbound_drain = std::chrono::milliseconds(10);
    r.counter_poll = std::chrono::milliseconds(10);
    r.exchange_timeout = std::chrono::seconds(3);
    r.retry_initial = std::chrono::milliseconds(20);
    r.retry_max = std::chrono::milliseconds(100);
    r.cleanup_retry = std::chrono::milliseconds(50);
  };
  assembly.executor = [this](keysvc::AgentExecutorOptions& eo) {
    auto engine = std::make_shared<std::mt19937_64>(7);
    eo.random = [engine] { return (*engine)(); };
    eo.observer = [this](const rotation::AgentAction& a) {
      check(std::string("agent ") + keysvc::action_name(a));
    };
  };
  app::AssemblyDeps deps;
  deps.kernel = [this](const xfrm::Ownership&) {
    return core::Result<std::shared_ptr<xfrm::Kernel>>(app::borrowed<xfrm::Kernel>(agent_kernel_));
  };
  deps.metrics = &agent_metrics_;
  if (setup.wrap) deps.transport = setup.wrap;
  auto built = app::AgentAssembly::create(io_, branch1_agent_config(agent_state_), deps,
                                          std::move(assembly));
  ASSERT_TRUE(built.has_value()) << built.error().message();
  agent_ = std::move(*built);
  try {
    auto started = agent_->start();
    executor_ = agent_->executor();
    ASSERT_TRUE(started.has_value()) << started.error().message();
  } catch (const AgentKilled&) {
    ++agent_kills_;
    drop_agent();
  }
}

void AgentEdgeFixture::drop_agent() {
  executor_ = nullptr;
  agent_.reset();
}

void AgentEdgeFixture::stop_agent() {
  if (agent_) agent_->stop();
  drop_agent();
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
      drop_agent();
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
  if (policies_of_branch1(agent_kernel_) != 3 && agent_) {
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
