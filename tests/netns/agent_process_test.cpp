// pqbranch-agent and pqbranch-edge-stub as real processes, each in a network namespace of
// the test's own joined by a veth pair: the agent's wiring (config, capabilities check,
// NetlinkKernel, tunnel policies, key-service client with socket bypass, status socket,
// signals, flush). This host's kernel may lack ESP: then the edge answers 500 and the agent
// says so and retries; with ESP a generation is installed. Either way the TLS handshake,
// the policies, the status and the clean stop are checked. (Component tests cover the
// exchanges, VM tests real traffic.)

#include <chrono>
#include <csignal>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "fakes/child_process.hpp"
#include "fakes/test_netns.hpp"
#include "fakes/test_paths.hpp"
#include "fakes/test_pki.hpp"

namespace pqbranch::test {
namespace {

class AgentProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    branch_ = TestNetns::create();
    edge_ = TestNetns::create();
    ASSERT_NE(branch_, nullptr);
    ASSERT_NE(edge_, nullptr);
    const auto link = branch_->sh(
        fmt::format("ip link set lo up && ip link add pqa0 type veth peer name pqe0 netns {} && "
                    "ip addr add 192.0.2.10/24 dev pqa0 && ip link set pqa0 up",
                    edge_->name()));
    ASSERT_EQ(link.status, 0) << link.output;
    const auto up = edge_->sh(
        "ip link set lo up && ip addr add 192.0.2.1/24 dev pqe0 && "
        "ip link set pqe0 up");
    ASSERT_EQ(up.status, 0) << up.output;

    auto pki = TestPki::create(PkiAlgorithm::ml_dsa_65);
    ASSERT_TRUE(pki.has_value());
    pki_.emplace(std::move(*pki));
    const IssuedCert edge = pki_->issue("edge.test", CertRole::server).value();
    const IssuedCert site = pki_->issue("branch-001", CertRole::client).value();
    const auto dir = pki_->dir();
    edge_config_ = dir / "edge-stub.toml";
    agent_config_ = dir / "agent.toml";
    socket_ = dir / "run" / "agent.sock";
    std::ofstream(edge_config_) << fmt::format(
        R"(state_directory = "{}"
log_level = "debug"
listen = ["192.0.2.1:8443"]
[tls]
certificate = "{}"
private_key = "{}"
ca = "{}"
[tunnel]
local_address = "192.0.2.1"
local_prefixes = ["10.9.0.0/16"]
[nat_traversal]
mode = "off"
[[site]]
id = "branch-001"
remote_address = "192.0.2.10"
prefixes = ["10.1.0.0/16"]
reqid = 0x7071_0001
)",
        (dir / "edge-state").string(), edge.certificate.string(), edge.private_key.string(),
        pki_->ca_file().string());
    std::ofstream(agent_config_) << fmt::format(
        R"(state_directory = "{}"
log_level = "debug"
status_socket = "{}"
[tls]
certificate = "{}"
private_key = "{}"
ca = "{}"
[edge]
endpoints = ["192.0.2.1:8443"]
name = "edge.test"
connect_timeout = "2s"
backoff_initial = "100ms"
backoff_max = "500ms"
[tunnel]
mode = "policy"
local_address = "192.0.2.10"
remote_address = "192.0.2.1"
local_prefixes = ["10.1.0.0/16"]
remote_prefixes = ["10.9.0.0/16"]
reqid = 0x7071_0001
[nat_traversal]
mode = "off"
[rotation]
interval = "30s"
jitter = "1s"
)",
        (dir / "agent-state").string(), socket_.string(), site.certificate.string(),
        site.private_key.string(), pki_->ca_file().string());
  }

  void TearDown() override {
    for (pid_t* pid : {&agent_pid_, &edge_pid_}) {
      if (*pid > 0) {
        ::kill(*pid, SIGKILL);
        ::waitpid(*pid, nullptr, 0);
      }
    }
  }

  // Runs `pqbranch-agent <args>` inside the branch namespace to completion.
  CommandResult agent_cli(const std::string& args) {
    return branch_->sh(fmt::format("{} {} 2>&1", agent_binary().string(), args));
  }
  static std::filesystem::path agent_binary() { return binary_dir() / "agent" / "pqbranch-agent"; }
  // The edge-stub in its namespace, then the agent in the branch's; logs e.log and a.log.
  void start_edge_and_agent() {
    const auto dir = pki_->dir();
    const auto edge_bin = binary_dir() / "edge-stub" / "pqbranch-edge-stub";
    edge_pid_ = edge_->run_inside([&] {
      return spawn({edge_bin.string(), "--config", edge_config_.string()}, dir / "e.log");
    });
    ASSERT_GT(edge_pid_, 0);
    agent_pid_ = branch_->run_inside([&] {
      return spawn({agent_binary().string(), "run", "--config", agent_config_.string()},
                   dir / "a.log");
    });
    ASSERT_GT(agent_pid_, 0);
  }

  std::unique_ptr<TestNetns> branch_;
  std::unique_ptr<TestNetns> edge_;
  std::optional<TestPki> pki_;
  std::filesystem::path edge_config_;
  std::filesystem::path agent_config_;
  std::filesystem::path socket_;
  pid_t agent_pid_ = -1;
  pid_t edge_pid_ = -1;
};

TEST_F(AgentProcess, HandshakesWithTheEdgeServesStatusAndLeavesPoliciesOnSigterm) {
  const auto dir = pki_->dir();
  ASSERT_EQ(agent_cli("check-config --config " + agent_config_.string()).status, 0);
  ASSERT_NO_FATAL_FAILURE(start_edge_and_agent());

  // The status socket answers once the agent runs; a handshake shows in it.
  std::string status_json;
  ASSERT_TRUE(eventually([&] {
    auto r = agent_cli("status --json --socket " + socket_.string());
    status_json = r.output;
    return r.status == 0 && r.output.find("\"group\"") != std::string::npos;
  })) << status_json
      << "\nagent log:\n"
      << read_file(dir / "a.log") << "\nedge log:\n"
      << read_file(dir / "e.log");
  const auto doc = boost::json::parse(status_json).as_object();
  EXPECT_EQ(doc.at("tls").at("group").as_string(), "X25519MLKEM768");
  EXPECT_EQ(doc.at("tls").at("session_signature").as_string(), "mldsa65");
  EXPECT_TRUE(doc.at("tls").at("post_quantum").as_bool());
  const auto human = agent_cli("status --socket " + socket_.string());
  EXPECT_EQ(human.status, 0);
  EXPECT_NE(human.output.find("-- post-quantum"), std::string::npos) << human.output;
  // Operator commands reach the agent on the same socket; this one runs no updates.
  const auto update = agent_cli("update pause --socket " + socket_.string());
  EXPECT_EQ(update.status, 1) << update.output;
  EXPECT_EQ(update.output, "error: updates are not configured\n");
  EXPECT_EQ(agent_cli("update pin 1.2 --socket " + socket_.string()).status, 2);
  struct stat st{};
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);

  // With ESP in the kernel a generation is installed; without it the edge answers 500
  // and the agent retries and says so.
  ASSERT_TRUE(eventually([&] {
    const std::string log = read_file(dir / "a.log");
    return log.find("generation 1 installed") != std::string::npos ||
           log.find("edge unreachable, retrying") != std::string::npos;
  })) << read_file(dir / "a.log");
  const auto policies = branch_->sh("ip xfrm policy");
  EXPECT_EQ(count(policies.output, fmt::format("reqid {}", 0x70710001)), 3U) << policies.output;

  ASSERT_EQ(::kill(agent_pid_, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(agent_pid_, &status, 0), agent_pid_);
  agent_pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_file(dir / "a.log");
  EXPECT_NE(read_file(dir / "a.log").find("SAs and policies stay in place"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(socket_));
  const auto after = branch_->sh("ip xfrm policy");
  EXPECT_EQ(count(after.output, fmt::format("reqid {}", 0x70710001)), 3U) << after.output;

  // flush removes what the agent owns, explicitly.
  const auto flushed = agent_cli("flush --config " + agent_config_.string());
  EXPECT_EQ(flushed.status, 0) << flushed.output;
  EXPECT_NE(flushed.output.find("3 policy"), std::string::npos) << flushed.output;
  EXPECT_EQ(branch_->sh("ip xfrm policy").output.find("reqid"), std::string::npos);
}

TEST_F(AgentProcess, SighupReloadsTheFileAndRefusesATunnelChangeWithoutStopping) {
  const auto dir = pki_->dir();
  ASSERT_NO_FATAL_FAILURE(start_edge_and_agent());
  boost::json::object config;
  auto reload_seen = [&](std::int64_t generation, std::string_view result) {
    return eventually([&] {
      auto r = agent_cli("status --json --socket " + socket_.string());
      if (r.status != 0) return false;
      config = boost::json::parse(r.output).as_object().at("config").as_object();
      return config.at("generation").to_number<std::int64_t>() == generation &&
             config.at("last_reload").is_string() && config.at("last_reload").as_string() == result;
    });
  };
  ASSERT_TRUE(eventually([&] {
    return agent_cli("status --socket " + socket_.string()).status == 0;
  })) << read_file(dir / "a.log");
  const std::string original = read_file(agent_config_);
  auto rewrite = [&](const std::string& from, const std::string& to) {
    std::string text = original;
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    std::ofstream(agent_config_) << text;
  };

  // A hot change: applied, the process runs on.
  rewrite("interval = \"30s\"", "interval = \"40s\"");
  ASSERT_EQ(::kill(agent_pid_, SIGHUP), 0);
  ASSERT_TRUE(reload_seen(2, "ok")) << boost::json::serialize(config) << read_file(dir / "a.log");
  EXPECT_NE(read_file(dir / "a.log").find("config reloaded (generation 2): rotation.interval"),
            std::string::npos);

  // The tunnel's address: refused, named, the agent and its policies stay.
  rewrite("local_address = \"192.0.2.10\"", "local_address = \"192.0.2.11\"");
  ASSERT_EQ(::kill(agent_pid_, SIGHUP), 0);
  ASSERT_TRUE(reload_seen(2, "refused")) << boost::json::serialize(config);
  EXPECT_NE(std::string(config.at("last_reload_error").as_string())
                .find("tunnel.local_address need(s) a new tunnel"),
            std::string::npos)
      << boost::json::serialize(config);
  EXPECT_EQ(count(read_file(dir / "a.log"), "config reload refused"), 1U);
  EXPECT_EQ(::waitpid(agent_pid_, nullptr, WNOHANG), 0);  // still running
  const auto policies = branch_->sh("ip xfrm policy");
  EXPECT_EQ(count(policies.output, fmt::format("reqid {}", 0x70710001)), 3U) << policies.output;
  // check-config says the same about the file.
  const auto checked = agent_cli("check-config --config " + agent_config_.string());
  EXPECT_EQ(checked.status, 0) << checked.output;  // a valid file, only not reloadable
}

TEST_F(AgentProcess, RefusesABadConfigAndAMalformedFaultHook) {
  const auto bad = pki_->dir() / "bad.toml";
  std::ofstream(bad) << "state_directory = 5\n";
  const auto r = agent_cli("check-config --config " + bad.string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("bad.toml:1"), std::string::npos) << r.output;
  const auto hook = branch_->sh(fmt::format("PQB_FAULT_KILL_AT=bogus {} run --config {} 2>&1",
                                            agent_binary().string(), agent_config_.string()));
  EXPECT_NE(hook.status, 0);
  EXPECT_NE(hook.output.find("PQB_FAULT_KILL_AT"), std::string::npos) << hook.output;
  EXPECT_NE(agent_cli("frobnicate").status, 0);
  const auto version = agent_cli("--version");
  EXPECT_EQ(version.status, 0);
  EXPECT_NE(version.output.find("pqbranch-agent"), std::string::npos);
}

}  // namespace
}  // namespace pqbranch::test
