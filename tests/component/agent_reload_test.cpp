// AgentAssembly::reload (SIGHUP, systemctl reload) against the edge assembly over loopback
// TLS, with FakeKernels: a valid change takes effect and leaves the installed SAs alone; an
// invalid one and one that needs a new tunnel are refused, the running config stays, and the
// status and log say why, in check-config's words.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "pqbranch/app/agent_assembly.hpp"
#include "pqbranch/app/edge_assembly.hpp"
#include "pqbranch/app/errc.hpp"
#include "pqbranch/app/program_commands.hpp"

#include "fakes/edge_idle.hpp"
#include "fakes/fake_service_manager.hpp"
#include "fakes/log_capture.hpp"
#include "fakes/test_pki.hpp"
#include "fakes/two_sites.hpp"
#include "fakes/xfrm/fake_kernel.hpp"

namespace pqbranch::test {
namespace {

namespace json = boost::json;

// A loopback TCP port nothing listens on now (the config refuses port 0).
std::uint16_t unused_loopback_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

struct AgentToml {
  std::string log_level = "info";
  std::string interval = "30m";
  std::string local_address = "192.0.2.1";
  std::string extra;  // appended sections
};

class AgentReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = TestPki::create(PkiAlgorithm::ecdsa_p256);
    ASSERT_TRUE(pki.has_value()) << pki.error().message();
    pki_.emplace(std::move(*pki));
    edge_cert_ = pki_->issue("edge.test", CertRole::server).value();
    branch1_ = pki_->issue("branch-1", CertRole::client).value();
    std::filesystem::create_directories(pki_->dir() / "edge");
    std::filesystem::create_directories(pki_->dir() / "agent");
    file_ = pki_->dir() / "agent.toml";
    previous_level_ = spdlog::default_logger()->level();
    start_edge();
  }

  void TearDown() override {
    if (agent_) agent_->stop();
    if (edge_) edge_->stop();
    if (edge_) {
      EXPECT_TRUE(run_until_edge_idle(io_, edge_->server()));
    }
    for (int i = 0; i < 100 && io_.poll() > 0; ++i) {
    }
    agent_.reset();
    edge_.reset();
    spdlog::default_logger()->set_level(previous_level_);
  }

  void start_edge() {
    app::EdgeAssemblyOptions eo;
    eo.server = [this](keysvc::EdgeServerOptions& o) {
      o.listen = {config::SocketAddress{ip("127.0.0.1"), 0}};
      o.tls = pki_->tls_options(edge_cert_);
      o.bypass_policies = false;  // needs xfrm; the netns tests cover it
    };
    app::AssemblyDeps deps;
    deps.kernel = [this](const xfrm::Ownership&) {
      return core::Result<std::shared_ptr<xfrm::Kernel>>(app::borrowed<xfrm::Kernel>(edge_kernel_));
    };
    auto edge = app::EdgeAssembly::create(
        io_, two_site_edge_config(pki_->dir() / "edge", config::NatMode::off), deps, std::move(eo));
    ASSERT_TRUE(edge.has_value()) << edge.error().message();
    edge_ = std::move(*edge);
    ASSERT_TRUE(edge_->start().has_value());
  }

  void write(const AgentToml& t) {
    const std::filesystem::path dir = pki_->dir() / "agent";
    std::ofstream(file_) << fmt::format(
        R"(state_directory = "{}"
status_socket = "{}"
log_level = "{}"
[tls]
certificate = "{}"
private_key = "{}"
ca = "{}"
[edge]
endpoints = ["127.0.0.1:{}"]
name = "edge.test"
[tunnel]
mode = "policy"
local_address = "{}"
remote_address = "198.51.100.1"
local_prefixes = ["10.1.0.0/16"]
remote_prefixes = ["10.9.0.0/16"]
reqid = {}
[nat_traversal]
mode = "off"
[rotation]
interval = "{}"
jitter = "0s"
{})",
        dir.string(), (dir / "agent.sock").string(), t.log_level, branch1_.certificate.string(),
        branch1_.private_key.string(), pki_->ca_file().string(), edge_->server().ports().at(0),
        t.local_address, kBranch1Reqid, t.interval, t.extra);
  }

  // The agent from the file as the program starts it, rotated once and idle.
  void start_agent() {
    auto checked = app::check_agent_config_file(file_);
    ASSERT_TRUE(checked.has_value()) << checked.error().detail;
    app::AgentAssemblyOptions ao;
    ao.config_file = file_;
    ao.settings = [](app::AgentSettings& s) { s.client.bypass_tunnel = false; };
    app::AssemblyDeps deps;
    deps.kernel = [this](const xfrm::Ownership&) {
      return core::Result<std::shared_ptr<xfrm::Kernel>>(
          app::borrowed<xfrm::Kernel>(agent_kernel_));
    };
    deps.service_manager = &manager_;
    auto agent = app::AgentAssembly::create(io_, checked->config, deps, std::move(ao));
    ASSERT_TRUE(agent.has_value()) << agent.error().message();
    agent_ = std::move(*agent);
    ASSERT_TRUE(agent_->start().has_value());
    ASSERT_TRUE(run_until([&] {
      const auto s = agent_->executor()->status();
      return agent_->executor()->rotations() >= 1 && s.state == "idle" && s.next_rotation;
    }));
    spis_before_ = spis();
    ASSERT_EQ(spis_before_.size(), 2U);  // generation 1, in and out
    agent_kernel_.clear_log();
  }

  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_one_for(std::chrono::milliseconds(20));
    }
    return true;
  }
  void run_ready_handlers() {
    for (int i = 0; i < 100 && io_.poll() > 0; ++i) {
    }
  }

  std::set<std::pair<int, std::uint32_t>> spis() {
    std::set<std::pair<int, std::uint32_t>> out;
    for (const auto& sa : agent_kernel_.sas()) {
      if (!sa.larval && sa.reqid == kBranch1Reqid && sa.direction)
        out.emplace(static_cast<int>(*sa.direction), sa.spi);
    }
    return out;
  }

  // Nothing but reads reached the agent's kernel since start_agent().
  void expect_sas_untouched() {
    EXPECT_EQ(spis(), spis_before_);
    for (const auto& e : agent_kernel_.log()) {
      EXPECT_TRUE(e.op == FakeKernel::Op::get_sa || e.op == FakeKernel::Op::list_sas ||
                  e.op == FakeKernel::Op::list_policies)
          << e.line;
    }
  }

  json::object status() { return json::parse(agent_->status_json()).as_object(); }
  static std::int64_t next_rotation_s(const json::object& s) {
    return s.at("rotation").at("next_rotation_s").to_number<std::int64_t>();
  }

  std::optional<TestPki> pki_;
  IssuedCert edge_cert_;
  IssuedCert branch1_;
  std::filesystem::path file_;
  spdlog::level::level_enum previous_level_ = spdlog::level::info;
  boost::asio::io_context io_;
  core::SystemClock clock_;
  FakeKernel edge_kernel_{clock_};
  FakeKernel agent_kernel_{clock_};
  FakeServiceManager manager_;
  std::unique_ptr<app::EdgeAssembly> edge_;
  std::unique_ptr<app::AgentAssembly> agent_;
  std::set<std::pair<int, std::uint32_t>> spis_before_;
};

TEST_F(AgentReloadTest, AValidChangeMovesTheNextRotationAndTheLogLevelAndLeavesTheSasAlone) {
  write({});
  start_agent();
  const json::object before = status();
  EXPECT_LE(next_rotation_s(before), 30 * 60);
  EXPECT_GE(next_rotation_s(before), 29 * 60);
  EXPECT_EQ(before.at("config").at("generation").to_number<int>(), 1);
  EXPECT_TRUE(before.at("config").at("last_reload").is_null());
  EXPECT_EQ(agent_->metrics_server(), nullptr);

  const std::uint16_t metrics_port = unused_loopback_port();
  write({.log_level = "debug",
         .interval = "80m",
         .extra = fmt::format("[metrics]\nlisten = \"127.0.0.1:{}\"\n", metrics_port)});
  const std::size_t sent = manager_.messages.size();
  auto reloaded = agent_->reload();
  ASSERT_TRUE(reloaded.has_value()) << reloaded.error().message();
  run_ready_handlers();

  const json::object after = status();
  // The next rotation is planned from the last one with the new interval.
  EXPECT_GE(next_rotation_s(after), 79 * 60);
  EXPECT_LE(next_rotation_s(after), 80 * 60);
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::debug);
  ASSERT_NE(agent_->metrics_server(), nullptr);
  EXPECT_EQ(agent_->metrics_server()->port(), metrics_port);
  const auto& cfg = after.at("config").as_object();
  EXPECT_EQ(cfg.at("file").as_string(), file_.string());
  EXPECT_EQ(cfg.at("generation").to_number<int>(), 2);
  EXPECT_EQ(cfg.at("last_reload").as_string(), "ok");
  EXPECT_EQ(cfg.at("last_reload_error").as_string(), "");
  EXPECT_FALSE(cfg.at("last_reload_utc").is_null());
  expect_sas_untouched();
  EXPECT_EQ(agent_->executor()->rotations(), 1U);
  // systemd saw the reload start and end.
  ASSERT_EQ(manager_.messages.size(), sent + 2);
  EXPECT_TRUE(manager_.messages[sent].starts_with("RELOADING=1\nMONOTONIC_USEC="));
  EXPECT_TRUE(manager_.messages[sent + 1].starts_with("READY=1\n"));
  // The endpoint in use and the name its certificate must carry.
  EXPECT_EQ(after.at("rotation").at("endpoint").as_string(),
            fmt::format("127.0.0.1:{}", edge_->server().ports().at(0)));
  EXPECT_EQ(after.at("rotation").at("edge_name").as_string(), "edge.test");
  EXPECT_FALSE(after.at("rotation").at("last_rotation_utc").is_null());
}

TEST_F(AgentReloadTest, AnInvalidConfigIsRefusedOnceWithCheckConfigsReasonAndTheOldOneStays) {
  write({});
  start_agent();
  const std::int64_t planned = next_rotation_s(status());
  LogCapture logs;
  const spdlog::level::level_enum level = spdlog::default_logger()->level();
  // Valid TOML, but interval + jitter reaches the SAs' soft lifetime (90 min).
  write({.log_level = "debug", .interval = "2h", .extra = ""});
  auto reloaded = agent_->reload();
  ASSERT_FALSE(reloaded.has_value());
  // Exactly what check-config says about the same file.
  const auto checked = app::check_agent_config_file(file_);
  ASSERT_FALSE(checked.has_value());
  EXPECT_EQ(reloaded.error().detail, checked.error().detail);
  EXPECT_NE(reloaded.error().detail.find("rotation.interval"), std::string::npos)
      << reloaded.error().detail;
  run_ready_handlers();

  const json::object after = status();
  const auto& cfg = after.at("config").as_object();
  EXPECT_EQ(cfg.at("generation").to_number<int>(), 1);
  EXPECT_EQ(cfg.at("last_reload").as_string(), "refused");
  EXPECT_EQ(cfg.at("last_reload_error").as_string(), checked.error().detail);
  EXPECT_LE(next_rotation_s(after), planned);           // the old interval is still in force
  EXPECT_EQ(spdlog::default_logger()->level(), level);  // the new file's debug was not applied
  std::size_t refusals = 0;
  for (const auto& line : logs.lines()) {
    if (line.find("config reload refused") != std::string::npos) ++refusals;
  }
  EXPECT_EQ(refusals, 1U);
  EXPECT_TRUE(logs.contains(checked.error().detail));
  expect_sas_untouched();
}

TEST_F(AgentReloadTest, AnAddressChangeIsRefusedNamingTheKeyAndTheTunnelStays) {
  write({});
  start_agent();
  write({.interval = "80m", .local_address = "192.0.2.9", .extra = ""});
  auto reloaded = agent_->reload();
  ASSERT_FALSE(reloaded.has_value());
  EXPECT_TRUE(reloaded.error() == app::errc::reload_refused);
  EXPECT_NE(reloaded.error().detail.find("tunnel.local_address need(s) a new tunnel"),
            std::string::npos)
      << reloaded.error().detail;
  const json::object after = status();
  EXPECT_EQ(after.at("config").at("last_reload").as_string(), "refused");
  EXPECT_NE(std::string(after.at("config").at("last_reload_error").as_string())
                .find("tunnel.local_address"),
            std::string::npos);
  EXPECT_EQ(after.at("tunnel").at("local").as_string(), "192.0.2.1");
  EXPECT_LE(next_rotation_s(after), 30 * 60);  // the interval in the same file was not applied
  expect_sas_untouched();

  // Put back, the same file reloads again.
  write({.interval = "80m", .extra = ""});
  ASSERT_TRUE(agent_->reload().has_value());
  EXPECT_EQ(status().at("config").at("generation").to_number<int>(), 2);
  expect_sas_untouched();
}

}  // namespace
}  // namespace pqbranch::test
