// app::AgentAssembly and app::EdgeAssembly, the programs' composition roots, built from
// configs with injected FakeKernels over loopback TLS: what the programs run is what is
// tested here, only the kernel differs.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "pqbranch/app/agent_assembly.hpp"
#include "pqbranch/app/edge_assembly.hpp"
#include "pqbranch/app/program_commands.hpp"
#include "pqbranch/app/status_server.hpp"
#include "pqbranch/tunnel/tunnel_setup.hpp"
#include "pqbranch/update/release_keys.hpp"
#include "pqbranch/xfrm/errc.hpp"

#include "fakes/edge_idle.hpp"
#include "fakes/fake_service_manager.hpp"
#include "fakes/test_pki.hpp"
#include "fakes/two_sites.hpp"
#include "fakes/xfrm/fake_kernel.hpp"

namespace pqbranch::test {
namespace {

class AssemblyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = TestPki::create(PkiAlgorithm::ecdsa_p256);
    ASSERT_TRUE(pki.has_value()) << pki.error().message();
    pki_.emplace(std::move(*pki));
    edge_cert_ = pki_->issue("edge.test", CertRole::server).value();
    branch1_ = pki_->issue("branch-1", CertRole::client).value();
  }

  // A deps struct whose kernel factory hands out `kernel` and records each ownership asked.
  app::AssemblyDeps deps(FakeKernel& kernel) {
    app::AssemblyDeps d;
    d.kernel = [this, &kernel](const xfrm::Ownership& o) {
      asked_.push_back(o);
      return core::Result<std::shared_ptr<xfrm::Kernel>>(app::borrowed<xfrm::Kernel>(kernel));
    };
    return d;
  }

  config::AgentConfig agent_config(std::uint16_t edge_port) {
    auto c = branch1_agent_config(pki_->dir() / "agent");
    c.edge.endpoints = {
        config::EdgeEndpoint{config::Endpoint{"127.0.0.1", edge_port}, "edge.test"}};
    c.tls.certificate = branch1_.certificate;
    c.tls.private_key = branch1_.private_key;
    c.tls.ca = pki_->ca_file();
    return c;
  }

  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_one_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  std::optional<TestPki> pki_;
  IssuedCert edge_cert_;
  IssuedCert branch1_;
  boost::asio::io_context io_;
  core::SystemClock clock_;
  std::vector<xfrm::Ownership> asked_;
};

std::size_t policies_with_reqid(FakeKernel& k, std::uint32_t reqid) {
  std::size_t n = 0;
  for (const auto& p : k.policies()) {
    if (!p.policy.templates.empty() && p.policy.templates[0].reqid == reqid) ++n;
  }
  return n;
}

TEST_F(AssemblyTest, AgentFromConfigInstallsPoliciesAndRotatesAgainstTheEdgeAssembly) {
  FakeKernel edge_kernel{clock_};
  FakeKernel agent_kernel{clock_};
  std::filesystem::create_directories(pki_->dir() / "edge");
  std::filesystem::create_directories(pki_->dir() / "agent");

  app::EdgeAssemblyOptions eo;
  eo.server = [&](keysvc::EdgeServerOptions& o) {
    o.listen = {config::SocketAddress{ip("127.0.0.1"), 0}};
    o.tls = pki_->tls_options(edge_cert_);
    o.bypass_policies = false;  // needs xfrm; the netns tests cover it
  };
  FakeServiceManager edge_manager;
  auto edge_deps = deps(edge_kernel);
  edge_deps.service_manager = &edge_manager;
  auto edge_config = two_site_edge_config(pki_->dir() / "edge", config::NatMode::off);
  edge_config.metrics.listen = config::SocketAddress{ip("127.0.0.1"), 0};
  auto edge = app::EdgeAssembly::create(io_, edge_config, edge_deps, std::move(eo));
  ASSERT_TRUE(edge.has_value()) << edge.error().message();
  EXPECT_TRUE(edge_manager.messages.empty());  // not ready before it serves
  ASSERT_TRUE((*edge)->start().has_value());
  ASSERT_EQ(edge_manager.messages.size(), 1U);
  EXPECT_EQ(edge_manager.messages[0], "READY=1\nSTATUS=serving 2 site(s), 0 open connection(s)");
  // Both sites' policies (3 each) once the edge has started.
  EXPECT_EQ(policies_with_reqid(edge_kernel, kBranch1Reqid), 3U);
  EXPECT_EQ(policies_with_reqid(edge_kernel, kBranch2Reqid), 3U);

  app::AgentAssemblyOptions ao;
  ao.settings = [](app::AgentSettings& s) {
    s.client.bypass_tunnel = false;
    s.rotation.interval = std::chrono::milliseconds(20);
    s.rotation.jitter = rotation::Duration::zero();
  };
  auto config = agent_config((*edge)->server().ports().at(0));
  config.metrics.listen = config::SocketAddress{ip("127.0.0.1"), 0};
  FakeServiceManager agent_manager;
  auto agent_deps = deps(agent_kernel);
  agent_deps.service_manager = &agent_manager;
  auto agent = app::AgentAssembly::create(io_, config, agent_deps, std::move(ao));
  ASSERT_TRUE(agent.has_value()) << agent.error().message();
  // The tunnel is there before anything runs: fail closed.
  EXPECT_EQ(policies_with_reqid(agent_kernel, kBranch1Reqid), 3U);
  ASSERT_EQ(asked_.size(), 2U);  // the edge's kernel, then the agent's
  EXPECT_EQ(asked_[1].reqid_min, config.ownership.reqid_min);
  EXPECT_EQ(asked_[1].reqid_max, config.ownership.reqid_max);
  EXPECT_FALSE(asked_[1].if_id.has_value());  // policy mode: no interface id

  EXPECT_TRUE(agent_manager.messages.empty());
  ASSERT_TRUE((*agent)->start().has_value());
  ASSERT_NE((*agent)->executor(), nullptr);
  // READY once the tunnel is set up and the executor runs, before its first generation.
  ASSERT_EQ(agent_manager.count("READY=1"), 1U);
  EXPECT_NE(agent_manager.messages[0].find("STATUS=no generation yet"), std::string::npos)
      << agent_manager.messages[0];
  ASSERT_TRUE(run_until([&] { return (*agent)->executor()->rotations() >= 3; }));
  EXPECT_GE((*agent)->executor()->rotation().generation(), 3U);
  // The status socket serves what the CLI shows; the CLI blocks, so it runs on its own
  // thread while this one runs the programs.
  auto fetch =
      std::async(std::launch::async, [&] { return app::agent_status(config.status_socket, true); });
  ASSERT_TRUE(run_until(
      [&] { return fetch.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
  auto status = fetch.get();
  ASSERT_TRUE(status.has_value()) << status.error().message();
  EXPECT_NE(status->find("\"generation\""), std::string::npos) << *status;
  // [metrics] listen: both programs serve their endpoint.
  ASSERT_NE((*edge)->metrics_server(), nullptr);
  ASSERT_NE((*agent)->metrics_server(), nullptr);
  EXPECT_NE((*edge)->metrics_server()->port(), 0);
  EXPECT_NE((*agent)->metrics_server()->port(), 0);

  (*agent)->stop();
  (*edge)->stop();
  EXPECT_TRUE(run_until_edge_idle(io_, (*edge)->server()));
  for (int i = 0; i < 100 && io_.poll() > 0; ++i) {
  }
  EXPECT_EQ(agent_manager.messages.back(),
            "STOPPING=1\nSTATUS=stopping; SAs and policies stay in place");
  EXPECT_EQ(edge_manager.count("STOPPING=1"), 1U);
  // Stopped as on SIGTERM: the policies stay.
  EXPECT_EQ(policies_with_reqid(agent_kernel, kBranch1Reqid), 3U);
}

TEST_F(AssemblyTest, OnlyIkev2PeersOpenOnlyThePeersKernels) {
  FakeKernel kernel{clock_};
  auto config = agent_config(1);
  config.key_service = false;
  const auto psk = pki_->dir() / "peer.psk";
  std::ofstream(psk) << "a test secret of enough length\n";
  std::filesystem::permissions(psk, std::filesystem::perms::owner_read);
  config::Ikev2PeerSettings peer;
  peer.name = "hq";
  peer.local_address = ip("127.0.0.1");
  peer.remote_address = ip("127.0.0.2");
  peer.local_port = 0;
  peer.local_natt_port = 0;
  peer.local_id = config::parse_ike_identity("fqdn:branch.test").value();
  peer.remote_id = config::parse_ike_identity("fqdn:hq.test").value();
  peer.psk_file = psk;
  peer.local_ts = {net("10.1.0.0/16")};
  peer.remote_ts = {net("10.8.0.0/16")};
  peer.reqid = 0x70710010;
  config.ikev2_peers = {peer};

  auto agent = app::AgentAssembly::create(io_, config, deps(kernel));
  ASSERT_TRUE(agent.has_value()) << agent.error().message();
  EXPECT_TRUE(asked_.empty());  // no key-service tunnel
  EXPECT_EQ((*agent)->executor(), nullptr);
  EXPECT_EQ((*agent)->kernel(), nullptr);
  // The session's sockets need xfrm for their bypass, which this host may lack: what is
  // asserted is that only the peer's tunnel was built.
  const auto started = (*agent)->start();
  ASSERT_EQ(asked_.size(), 1U);
  EXPECT_EQ(asked_[0].reqid_min, config.ownership.reqid_min);
  EXPECT_EQ(policies_with_reqid(kernel, peer.reqid), 3U);
  if (started) {
    EXPECT_EQ((*agent)->ikev2_peers().size(), 1U);
    (*agent)->stop();
  } else {
    EXPECT_NE(started.error().message().find("ikev2 hq"), std::string::npos);
  }
}

TEST_F(AssemblyTest, CheckConfigReportsThePeerErrorRunWould) {
  FakeKernel kernel{clock_};
  auto config = agent_config(1);
  config::Ikev2PeerSettings peer;
  peer.name = "hq";
  peer.local_address = ip("127.0.0.1");
  peer.remote_address = ip("127.0.0.2");
  peer.psk_file = pki_->dir() / "missing.psk";
  peer.reqid = 0x70710010;
  config.ikev2_peers = {peer};

  const auto checked = app::check_agent_config(config);
  ASSERT_FALSE(checked.has_value());
  auto agent = app::AgentAssembly::create(io_, config, deps(kernel));
  ASSERT_TRUE(agent.has_value()) << agent.error().message();
  const auto started = (*agent)->start();
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(checked.error().message(), started.error().message());
  EXPECT_NE(checked.error().message().find("ikev2 hq"), std::string::npos);
  (*agent)->stop();
}

TEST_F(AssemblyTest, CheckConfigRefusesUnreadableTlsFilesAndCountsPolicies) {
  auto config = agent_config(1);
  const auto ok = app::check_agent_config(config);
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  EXPECT_EQ(*ok, "OK (policy mode, 1 endpoint(s), 3 policies)");
  config.tls.private_key = pki_->dir() / "missing.key";
  const auto bad = app::check_agent_config(config);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message().rfind("tls: ", 0), 0U) << bad.error().message();
}

TEST_F(AssemblyTest, UpdatesWithoutTheirPinnedKeysStopCheckConfigAndTheAgentAlike) {
  FakeKernel kernel{clock_};
  auto config = agent_config(1);
  config.update.enabled = true;
  config.update.ml_dsa_65_key = pki_->dir() / "missing-ml-dsa-65.pub";
  config.update.ed25519_key = pki_->dir() / "missing-ed25519.pub";
  const auto checked = app::check_agent_config(config);
  ASSERT_FALSE(checked.has_value());
  EXPECT_EQ(checked.error().message().rfind("update: release keys", 0), 0U)
      << checked.error().message();
  auto agent = app::AgentAssembly::create(io_, config, deps(kernel));
  ASSERT_FALSE(agent.has_value());
  EXPECT_EQ(agent.error().message(), checked.error().message());
}

TEST_F(AssemblyTest, WithUpdatesTheStatusShowsThemAndTheControlSocketTakesOperatorCommands) {
  FakeKernel kernel{clock_};
  auto config = agent_config(1);  // no edge answers: checks fail, which the status says
  const auto keys = pki_->dir() / "release-keys";
  ASSERT_TRUE(update::generate_release_keys(keys).has_value());
  config.update.enabled = true;
  config.update.ml_dsa_65_key = keys / update::kMlDsaPublicFile;
  config.update.ed25519_key = keys / update::kEd25519PublicFile;
  app::AgentAssemblyOptions ao;
  ao.settings = [this](app::AgentSettings& s) {
    s.client.bypass_tunnel = false;
    s.package_version_file = pki_->dir() / "version";
  };
  std::ofstream(pki_->dir() / "version") << "4.5.6\n";
  auto agent = app::AgentAssembly::create(io_, config, deps(kernel), std::move(ao));
  ASSERT_TRUE(agent.has_value()) << agent.error().message();
  ASSERT_TRUE((*agent)->start().has_value());
  ASSERT_NE((*agent)->updates(), nullptr);
  // The CLI blocks: it runs on its own thread while this one runs the agent.
  const auto ask = [&](auto f) {
    auto answer = std::async(std::launch::async, f);
    EXPECT_TRUE(run_until(
        [&] { return answer.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
    return answer.get();
  };
  const auto socket = config.status_socket;
  auto paused = ask([&] { return app::send_operator_command(socket, "update pause"); });
  ASSERT_TRUE(paused.has_value()) << paused.error().message();
  EXPECT_EQ(*paused, "ok: updates paused");
  auto status = ask([&] { return app::agent_status(socket, true); });
  ASSERT_TRUE(status.has_value()) << status.error().message();
  EXPECT_NE(status->find("\"running_version\":\"4.5.6\""), std::string::npos) << *status;
  EXPECT_NE(status->find("\"paused\":true"), std::string::npos) << *status;
  auto now = ask([&] { return app::send_operator_command(socket, "update now"); });
  ASSERT_TRUE(now.has_value()) << now.error().message();
  EXPECT_EQ(now->rfind("error: ", 0), 0U) << *now;  // paused: resume first
  (*agent)->stop();
}

TEST_F(AssemblyTest, KernelFactoryErrorsNameThePart) {
  app::AssemblyDeps d;
  d.kernel = [](const xfrm::Ownership&) -> core::Result<std::shared_ptr<xfrm::Kernel>> {
    return core::make_error(xfrm::errc::permission_denied, "no netlink here");
  };
  auto agent = app::AgentAssembly::create(io_, agent_config(1), d);
  ASSERT_FALSE(agent.has_value());
  EXPECT_EQ(agent.error().message().rfind("kernel: no netlink here", 0), 0U)
      << agent.error().message();
}

}  // namespace
}  // namespace pqbranch::test
