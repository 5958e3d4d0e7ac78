#pragma once
// The agent (app::AgentAssembly: AgentClient + AgentExecutor) and the edge key service
// (app::EdgeAssembly: EdgeServer) in one process, as the programs build them, on ONE io_context
// driven by the test thread, over loopback TLS 1.3 (X25519MLKEM768, mutual TLS), each with its own
// FakeKernel and a rotation interval of a few milliseconds. Both executors' step observers run
// check() after every action, so the SA and policy sets of both kernels are checked at every single
// step of make-before-break:
// - every installed outbound SA of either side has the peer's inbound SA with the same SPI
//   and the same key (FakeKernel::key_of), so no packet in flight ever meets a missing SA;
// - one "packet" each way goes through the SA the kernel would select (select_outbound on
//   the tunnel's out policy) and is counted delivered or lost, and accounted on the peer's
//   inbound SA (its counters move, as real traffic would make them);
// - the tunnel's policies (3 per side) are always all there.
// Synchronisation is by conditions on observer results with bounded deadlines; no sleeps.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "pqbranch/app/agent_assembly.hpp"
#include "pqbranch/app/edge_assembly.hpp"
#include "pqbranch/config/edge_config.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/keysvc/agent_client.hpp"
#include "pqbranch/keysvc/agent_executor.hpp"
#include "pqbranch/keysvc/edge_server.hpp"

#include "fakes/log_capture.hpp"
#include "fakes/test_pki.hpp"
#include "fakes/two_sites.hpp"
#include "fakes/xfrm/fake_kernel.hpp"

namespace pqbranch::test {

// Thrown by a fault hook in tests to stop the agent dead in the middle of a list of
// actions, as SIGKILL would; caught by run_until, which then discards the agent.
struct AgentKilled {};

class AgentEdgeFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // --- edge ---
  void start_edge(std::uint16_t port = 0);
  // Applied last to the edge's server options by start_edge (e.g. to restore a default
  // the fixture shortens).
  std::function<void(keysvc::EdgeServerOptions&)> edge_tweak_;
  // Both sides' inbound grace period, 1.5 rotation intervals. The outbound drain is
  // 10 ms: a side deletes its old inbound SA a grace after the proof while the peer retires
  // its old outbound a drain after its switch, so handlers running later than the difference
  // break invariant 1 in the harness (though not in the kernel: it sends on the newest SA).
  // With 30 ms (interval 20 ms) that happened in about one run of fifty on a loaded 2-core
  // host; 75 ms leaves 65 ms (the real programs: 5 s against 100 ms).
  rotation::Duration grace_ = std::chrono::milliseconds(75);
  void stop_edge();  // stop, let its coroutines finish, destroy; kernel and state stay
  [[nodiscard]] std::uint16_t edge_port() const { return edge_port_; }
  [[nodiscard]] const rotation::EdgeRotation& edge_site1();

  // --- agent ---
  struct AgentSetup {
    const IssuedCert* certificate = nullptr;                               // default: branch-1
    std::vector<std::uint16_t> ports;                                      // default: {edge_port()}
    rotation::Duration interval = std::chrono::milliseconds(50);           // grace_ is 1.5 of it
    std::function<keysvc::AgentTransport&(keysvc::AgentTransport&)> wrap;  // decorators
    keysvc::FaultHook fault;
    bool nat = false;                // NAT traversal (the edge's nat_traversal must be on too)
    std::string host = "127.0.0.1";  // of every endpoint; a DNS name is sent as SNI
    std::string name = "edge.test";  // the edge name every endpoint expects
    std::function<void(keysvc::AgentClientOptions&)> tweak;  // last word on the client
  };
  void start_agent(AgentSetup setup);
  void start_agent() { start_agent(AgentSetup{}); }
  void stop_agent();  // as a SIGTERM would: SAs and policies stay
  void drop_agent();  // destroyed without stop(), as after SIGKILL
  [[nodiscard]] keysvc::AgentExecutor& agent() { return *executor_; }
  [[nodiscard]] keysvc::AgentClient& client() { return *agent_->client(); }

  // Runs the loop until `done`; false after `limit`. An AgentKilled thrown by a fault hook
  // ends the agent (destroyed without stop()) and counts in agent_kills_.
  bool run_until(const std::function<bool()>& done,
                 std::chrono::milliseconds limit = std::chrono::seconds(30));
  bool run_until_agent_generation(rotation::Generation g);

  // Both sides on one generation, one outbound SA each, crossing; nothing larval.
  [[nodiscard]] bool settled();
  void expect_no_key_in_logs();

  // --- the checks at every step ---
  void check(const std::string& after);
  std::vector<std::string> violations_;
  std::uint64_t checks_ = 0;
  std::uint64_t delivered_ = 0;
  std::uint64_t lost_ = 0;
  // Delivered packets move the receiver's counters (proof for the machines); off when a
  // test needs the edge to learn only from messages.
  bool move_counters_ = true;

  std::optional<LogCapture> logs_;
  std::optional<TestPki> pki_;
  IssuedCert edge_cert_;
  IssuedCert branch1_;
  IssuedCert branch2_;
  IssuedCert stranger_;  // CN "branch-9": no such site
  std::filesystem::path edge_state_;
  std::filesystem::path agent_state_;
  config::EdgeConfig edge_config_;

  boost::asio::io_context io_;
  core::SystemClock clock_;
  FakeKernel edge_kernel_{clock_};
  FakeKernel agent_kernel_{clock_};
  core::Metrics edge_metrics_;
  core::Metrics agent_metrics_;
  std::vector<std::unique_ptr<keysvc::AgentTransport>> transports_;  // test decorators
  std::unique_ptr<app::EdgeAssembly> edge_assembly_;
  keysvc::EdgeServer* edge_ = nullptr;  // edge_assembly_'s
  std::uint16_t edge_port_ = 0;
  std::uint16_t edge_nat_port_ = 0;
  std::unique_ptr<app::AgentAssembly> agent_;
  keysvc::AgentExecutor* executor_ = nullptr;  // agent_'s
  int agent_kills_ = 0;
  // Keys of every SA seen (clones), to prove none reached a log line.
  std::vector<core::SecureBytes> keys_seen_;
  std::vector<std::uint32_t> spis_seen_;
};

}  // namespace pqbranch::test
