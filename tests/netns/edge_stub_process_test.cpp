// pqbranch-edge-stub as a real process in a namespace of the test's own: its wiring
// (config, NetlinkKernel, listeners, NAT-T socket with bypass, signals). It sets up the
// site's policies at start, serves mutual TLS, and on SIGTERM stops cleanly, leaving the
// policies and its state file behind. (This kernel may lack ESP, so no SA is installed here;
// the component tests cover exchanges, the VM tests real SAs.)

#include <chrono>
#include <csignal>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pqbranch/crypto/tls_context.hpp"
#include "pqbranch/keysvc/edge_site.hpp"
#include "pqbranch/wire/nat_token.hpp"
#include "pqbranch/wire/protocol.hpp"

#include "fakes/child_process.hpp"
#include "fakes/key_service_client.hpp"
#include "fakes/test_netns.hpp"
#include "fakes/test_paths.hpp"
#include "fakes/test_pki.hpp"

namespace pqbranch::test {
namespace {

constexpr std::uint16_t kPort = 8443;

// The parameter: the edge's worker threads (`threads`), 1 and 2.
class EdgeStubProcess : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    ns_ = TestNetns::create();
    ASSERT_NE(ns_, nullptr);
    const auto up = ns_->sh("ip link set lo up && ip addr add 203.0.113.1/32 dev lo");
    ASSERT_EQ(up.status, 0) << up.output;
    auto pki = TestPki::create(PkiAlgorithm::ecdsa_p256);
    ASSERT_TRUE(pki.has_value());
    pki_.emplace(std::move(*pki));
    const IssuedCert edge = pki_->issue("edge.test", CertRole::server).value();
    site_ = pki_->issue("branch-001", CertRole::client).value();
    state_ = pki_->dir() / "state";
    config_ = pki_->dir() / "edge-stub.toml";
    log_ = pki_->dir() / "edge-stub.log";
    std::ofstream(config_) << fmt::format(
        R"(state_directory = "{}"
threads = {}
log_level = "debug"
listen = ["127.0.0.1:{}"]
[tls]
certificate = "{}"
private_key = "{}"
ca = "{}"
[limits]
read_timeout = "5s"
[tunnel]
local_address = "203.0.113.1"
local_prefixes = ["10.0.0.0/16"]
[nat_traversal]
mode = "auto"
port = 4500
[[site]]
id = "branch-001"
remote_address = "198.51.100.10"
prefixes = ["10.1.0.0/16"]
reqid = 0x7071_0001
)",
        state_.string(), GetParam(), kPort, edge.certificate.string(), edge.private_key.string(),
        pki_->ca_file().string());
  }

  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // The service accepts TLS from the site; polled until its listener is up (it is a
  // separate process: there is no other signal of readiness), at most 10 s.
  std::optional<KeyServiceClient> connect_when_ready(const crypto::SslCtx& ctx) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      auto c = ns_->run_inside([&] { return KeyServiceClient::connect(ctx.get(), kPort); });
      if (c) return std::move(*c);
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        ADD_FAILURE() << "edge-stub exited: " << read_file(log_);
        return std::nullopt;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "edge-stub did not accept within 10 s: " << read_file(log_);
    return std::nullopt;
  }

  std::unique_ptr<TestNetns> ns_;
  std::optional<TestPki> pki_;
  IssuedCert site_;
  std::filesystem::path state_;
  std::filesystem::path config_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

TEST_P(EdgeStubProcess, ServesSetsUpPoliciesAndStopsCleanlyOnSigterm) {
  const auto binary = binary_dir() / "edge-stub" / "pqbranch-edge-stub";
  const std::vector<std::string> args = {binary.string(), "--config", config_.string()};
  pid_ = ns_->run_inside([&] { return spawn(args, log_); });
  ASSERT_GT(pid_, 0);

  crypto::TlsOptions o = pki_->tls_options(site_);
  o.peer_name = "edge.test";
  const auto ctx = crypto::make_client_context(o).value();
  auto client = connect_when_ready(ctx);
  ASSERT_TRUE(client.has_value());
  auto token = client->request("GET", wire::kNatTokenPath);
  ASSERT_TRUE(token.has_value()) << token.error().message();
  EXPECT_EQ(token->status, 200U) << token->body;
  EXPECT_TRUE(wire::decode_nat_token_response(token->body).has_value());

  // A generation request reaches the real kernel: with ESP and GCM the inbound SA is
  // installed (200); without (this host's kernel may lack them) the edge answers 500
  // internal and leaves no SA behind, not even the larval one.
  auto r = client->request(
      "POST", wire::kGenerationPath,
      R"({"version":1,"agent_version":"0.1.0","current_generation":0,"agent_spi":4096,)"
      R"("nat":null,"capabilities":["esn","policy"]})");
  ASSERT_TRUE(r.has_value()) << r.error().message();
  const auto states = ns_->sh("ip xfrm state");
  if (r->status == 200U) {
    EXPECT_NE(states.output.find("rfc4106(gcm(aes))"), std::string::npos) << states.output;
  } else {
    EXPECT_EQ(r->status, 500U) << r->body;
    EXPECT_NE(r->body.find("internal"), std::string::npos) << r->body;
    EXPECT_EQ(states.output, "") << states.output;
  }

  // The site's tunnel: out, in and fwd policies with its reqid, installed at start.
  const auto policies = ns_->sh("ip xfrm policy");
  ASSERT_EQ(policies.status, 0);
  for (const char* dir : {"dir out", "dir in", "dir fwd"}) {
    EXPECT_NE(policies.output.find(dir), std::string::npos) << policies.output;
  }
  EXPECT_NE(policies.output.find("10.1.0.0/16"), std::string::npos) << policies.output;
  EXPECT_EQ(count(policies.output, fmt::format("reqid {}", 0x70710001)), 3U) << policies.output;
  // The listener and the NAT-T socket bypass the tunnels (per-socket policies).
  EXPECT_GE(count(policies.output, "socket in"), 2U) << policies.output;

  ASSERT_EQ(::kill(pid_, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid_, &status, 0), pid_);
  pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_file(log_);
  EXPECT_TRUE(client->wait_closed());
  const std::string log = read_file(log_);
  EXPECT_NE(log.find("SAs and policies stay in place"), std::string::npos) << log;
  EXPECT_NE(log.find("stopped"), std::string::npos) << log;
  EXPECT_NE(log.find(fmt::format("{} thread(s)", GetParam())), std::string::npos) << log;
  // Nothing is removed on stop; the state file is there, private, without keys by design.
  // (While it ran, its sockets' bypass policies were listed too; they went with it.)
  const auto after = ns_->sh("ip xfrm policy");
  EXPECT_EQ(count(after.output, "reqid 1886453761"), 3U) << after.output;
  EXPECT_EQ(count(after.output, "socket"), 0U) << after.output;
  const auto file = state_ / keysvc::site_state_file_name("branch-001");
  struct stat st{};
  ASSERT_EQ(::stat(file.c_str(), &st), 0) << file;
  EXPECT_EQ(st.st_mode & 0777, 0600U);
}

INSTANTIATE_TEST_SUITE_P(Threads, EdgeStubProcess, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& p) {
                           return "threads_" + std::to_string(p.param);
                         });

}  // namespace
}  // namespace pqbranch::test
