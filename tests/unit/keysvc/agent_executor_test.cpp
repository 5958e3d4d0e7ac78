// The executor against a FakeKernel and a scripted transport (an edge that always offers):
// that actions reach the kernel, state reaches the file, timers and the observer work, the
// fault hook fires where asked, and a restart adopts what the kernel holds.
#include "pqbranch/keysvc/agent_executor.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "pqbranch/core/atomic_file.hpp"

#include "fakes/log_capture.hpp"
#include "fakes/xfrm/fake_kernel.hpp"
#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::keysvc {
namespace {

using std::chrono::milliseconds;

const core::IpAddress kAgent = test::addr("192.0.2.1");
const core::IpAddress kEdge = test::addr("198.51.100.2");

core::SecureBytes filled(std::uint8_t seed) {
  core::SecureBytes k(xfrm::kAeadKeyBytes);
  for (std::size_t i = 0; i < k.size(); ++i)
    k.data()[i] = static_cast<std::uint8_t>(seed + i * 7);
  return k;
}

// An edge reduced to its answers: every request gets the next generation.
class ScriptedEdge final : public AgentTransport {
 public:
  explicit ScriptedEdge(boost::asio::io_context& io) : io_(io) {}

  void set_sink(Sink sink) override { sink_ = std::move(sink); }
  void connect(rotation::ConnectionId conn, std::size_t /*endpoint*/) override {
    ++connects;
    post(rotation::Connected{conn});
  }
  void send_request(rotation::ConnectionId conn,
                    const rotation::GenerationRequest& request) override {
    requests.push_back(request);
    rotation::GenerationOffer o;
    o.generation = ++issued;
    o.edge_generation = acked;
    o.agent_spi = request.agent_spi;
    o.edge_spi = 0x5000 + static_cast<std::uint32_t>(o.generation);
    o.lifetime.soft_add = std::chrono::seconds(3000);
    o.lifetime.hard_add = std::chrono::seconds(3600);
    o.tunnel.agent_address = kAgent;
    o.tunnel.edge_address = kEdge;
    keys_to_edge[o.generation] = filled(static_cast<std::uint8_t>(o.generation));
    rotation::GenerationKeys keys{keys_to_edge[o.generation].clone(),
                                  filled(static_cast<std::uint8_t>(100 + o.generation))};
    post(rotation::OfferReceived{conn, o, std::move(keys)});
  }
  void send_ack(rotation::ConnectionId /*conn*/, const rotation::GenerationAck& ack) override {
    acked = ack.generation;
  }
  void close(rotation::ConnectionId /*conn*/) override { ++closes; }
  void shutdown() override { down = true; }

  int connects = 0;
  int closes = 0;
  bool down = false;
  rotation::Generation issued = 0;
  rotation::Generation acked = 0;
  std::vector<rotation::GenerationRequest> requests;
  std::map<rotation::Generation, core::SecureBytes> keys_to_edge;

 private:
  void post(rotation::AgentEvent e) {
    boost::asio::post(io_, [this, ev = std::move(e)]() mutable {
      if (sink_) sink_(std::move(ev));
    });
  }
  boost::asio::io_context& io_;
  Sink sink_;
};

class AgentExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pqb-exec-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  AgentExecutorOptions options() {
    AgentExecutorOptions o;
    o.rotation.tunnel.local = kAgent;
    o.rotation.tunnel.remote = kEdge;
    o.rotation.tunnel.reqid = test::kSampleReqid;
    o.rotation.interval = milliseconds(5);
    o.rotation.jitter = rotation::Duration::zero();
    o.rotation.grace = milliseconds(1);
    o.state_file = dir_ / kAgentStateFileName;
    o.random = [] { return std::uint64_t{4}; };
    return o;
  }

  // Runs the loop until `done` holds; false after 10 s (a broken test fails, never hangs).
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_one_for(milliseconds(50));
    }
    return true;
  }

  std::vector<xfrm::SaState> sas(xfrm::SaDirection d) {
    std::vector<xfrm::SaState> out;
    for (auto& s : kernel_.sas()) {
      if (s.direction == d && !s.larval) out.push_back(s);
    }
    return out;
  }

  std::filesystem::path dir_;
  boost::asio::io_context io_;
  core::SystemClock clock_;
  test::FakeKernel kernel_{clock_};
  core::Metrics metrics_;
};

TEST_F(AgentExecutorTest, RotatesThroughTheKernelAndSavesStateWithoutKeys) {
  const test::LogCapture logs;
  ScriptedEdge edge(io_);
  std::vector<std::string> performed;
  auto o = options();
  o.observer = [&](const rotation::AgentAction& a) { performed.emplace_back(action_name(a)); };
  AgentExecutor exec(io_, kernel_, edge, metrics_, o);
  ASSERT_TRUE(exec.start());
  ASSERT_TRUE(run_until([&] { return exec.rotations() >= 5; }));

  // Exactly one outbound SA: the newest generation's, with the key the edge derived.
  const auto out = sas(xfrm::SaDirection::out);
  ASSERT_EQ(out.size(), 1U);
  const rotation::Generation g = exec.rotation().generation();
  EXPECT_EQ(out[0].spi, 0x5000U + g);
  const core::SecureBytes* key = kernel_.key_of(out[0].id());
  ASSERT_NE(key, nullptr);
  EXPECT_TRUE(key->equals(edge.keys_to_edge.at(g).span()));
  EXPECT_LE(sas(xfrm::SaDirection::in).size(), 3U);
  // Requests name the generation the agent sends on.
  for (std::size_t i = 1; i < edge.requests.size(); ++i)
    EXPECT_GE(edge.requests[i].current_generation, 1U);
  EXPECT_GE(edge.acked, 5U);

  // The state file: 0600, what the machine saved, no key bytes.
  struct stat st{};
  ASSERT_EQ(::stat(o.state_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600U);
  auto saved = load_agent_state(o.state_file);
  ASSERT_TRUE(saved);
  ASSERT_TRUE(saved->has_value());
  EXPECT_EQ(**saved, exec.rotation().saved_state());
  auto text = core::read_small_file(o.state_file, kMaxStateFileBytes);
  ASSERT_TRUE(text && *text);
  for (const auto& [gen, k] : edge.keys_to_edge) {
    const std::string raw(reinterpret_cast<const char*>(k.data()), k.size());  // NOLINT
    EXPECT_EQ((*text)->find(raw), std::string::npos);
    EXPECT_FALSE(logs.contains_key_bytes(k.span()));
  }

  // The observer saw the make-before-break order of one rotation.
  const auto pos = [&](const char* name, std::size_t from) {
    return std::find(performed.begin() + static_cast<std::ptrdiff_t>(from), performed.end(),
                     std::string(name)) -
           performed.begin();
  };
  const auto upd = pos("update_sa", 0);
  const auto add = pos("add_sa", static_cast<std::size_t>(upd));
  const auto ack = pos("send_ack", static_cast<std::size_t>(add));
  EXPECT_LT(upd, add);
  EXPECT_LT(add, ack);
  EXPECT_LT(ack, static_cast<std::ptrdiff_t>(performed.size()));
  EXPECT_EQ(metrics_.value("agent_rotations_total"), static_cast<std::int64_t>(exec.rotations()));
  EXPECT_FALSE(exec.timings().empty());
  exec.stop();
  EXPECT_TRUE(edge.down);
  EXPECT_EQ(sas(xfrm::SaDirection::out).size(), 1U);  // stop leaves the SAs
}

TEST_F(AgentExecutorTest, FaultHookStopsRightBeforeTheChosenStep) {
  ScriptedEdge edge(io_);
  auto o = options();
  bool killed = false;
  std::size_t outbound_at_kill = 99;
  std::size_t inbound_at_kill = 99;
  rotation::Generation acked_at_kill = 99;
  o.fault = FaultHook(FaultHook::Spec{"add_sa", 2, false}, [&] {
    killed = true;
    outbound_at_kill = sas(xfrm::SaDirection::out).size();
    inbound_at_kill = sas(xfrm::SaDirection::in).size();
    acked_at_kill = edge.acked;
  });
  AgentExecutor exec(io_, kernel_, edge, metrics_, o);
  ASSERT_TRUE(exec.start());
  ASSERT_TRUE(run_until([&] { return killed; }));
  // Before the second ADDSA: generation 1's outbound only, generation 2's inbound installed.
  EXPECT_EQ(outbound_at_kill, 1U);
  EXPECT_EQ(inbound_at_kill, 2U);
  EXPECT_EQ(acked_at_kill, 1U);
}

TEST_F(AgentExecutorTest, RestartAdoptsTheKernelsSasFromTheStateFile) {
  ScriptedEdge edge(io_);
  std::uint32_t outbound_spi = 0;
  {
    AgentExecutor first(io_, kernel_, edge, metrics_, options());
    ASSERT_TRUE(first.start());
    ASSERT_TRUE(run_until([&] { return first.rotations() >= 2; }));
    first.stop();
    outbound_spi = sas(xfrm::SaDirection::out).at(0).spi;
  }
  kernel_.clear_log();
  ScriptedEdge edge2(io_);
  edge2.issued = edge.issued;
  auto o = options();
  o.rotation.interval = std::chrono::hours(1);  // only the rotation at start
  AgentExecutor second(io_, kernel_, edge2, metrics_, o);
  ASSERT_TRUE(second.start());
  EXPECT_EQ(second.rotation().generation(), edge.acked);
  ASSERT_TRUE(run_until([&] { return second.rotations() >= 1; }));
  // The adopted outbound SA was replaced by the new generation's, never deleted first.
  const auto lines = kernel_.log_lines();
  const auto add = std::find_if(lines.begin(), lines.end(),
                                [](const std::string& l) { return l.starts_with("add SA"); });
  const auto del = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) {
    return l.starts_with("delete SA") &&
           l.find(fmt::format("{:08x}", outbound_spi)) != std::string::npos;
  });
  ASSERT_NE(add, lines.end());
  ASSERT_NE(del, lines.end());
  EXPECT_LT(add, del);
}

TEST_F(AgentExecutorTest, CorruptStateFileIsReportedAndTreatedAsNone) {
  ASSERT_TRUE(core::write_file_atomically(dir_ / kAgentStateFileName, "{not json"));
  EXPECT_FALSE(load_agent_state(dir_ / kAgentStateFileName));
  const test::LogCapture logs;
  ScriptedEdge edge(io_);
  AgentExecutor exec(io_, kernel_, edge, metrics_, options());
  ASSERT_TRUE(exec.start());
  EXPECT_TRUE(logs.contains("ignoring the saved agent state"));
  ASSERT_TRUE(run_until([&] { return exec.rotations() >= 1; }));
}

}  // namespace
}  // namespace pqbranch::keysvc
