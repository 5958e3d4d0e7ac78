// The agent and the edge key service against each other over loopback TLS (see
// agent_edge_fixture.hpp for what is checked after every single step of either side).
#include <algorithm>
#include <iostream>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pqbranch/app/agent_status.hpp"
#include "pqbranch/crypto/tls_failure.hpp"

#include "agent_edge_fixture.hpp"
#include "fakes/forwarding_transport.hpp"

namespace pqbranch::test {
namespace {

using keysvc::AgentTransport;
using rotation::AgentEvent;
using rotation::ConnectionId;

// A transport between the executor and the real client that loses or repeats messages.
class LossyTransport final : public ForwardingTransport {
 public:
  using ForwardingTransport::ForwardingTransport;

  int drop_ack_number = 0;        // the n-th ack (1-based) never leaves
  int repeat_request_number = 0;  // the n-th request is sent twice on its connection
  int lose_offer_number = 0;      // the n-th offer never reaches the executor
  int acks = 0;
  int requests = 0;
  int offers = 0;
  bool dropped_ack = false;

  void set_sink(Sink sink) override {
    if (!sink) {
      inner().set_sink({});
      return;
    }
    inner().set_sink([this, s = std::move(sink)](AgentEvent e) {
      if (auto* offer = std::get_if<rotation::OfferReceived>(&e)) {
        if (++offers == lose_offer_number) {
          // The answer is lost on the way: the agent sees the connection break instead.
          s(rotation::ConnectionLost{
              offer->conn, core::make_error(boost::system::errc::io_error, "test: offer lost")});
          return;
        }
      }
      s(std::move(e));
    });
  }
  void send_request(ConnectionId conn, const rotation::GenerationRequest& r) override {
    inner().send_request(conn, r);
    if (++requests == repeat_request_number) inner().send_request(conn, r);
  }
  void send_ack(ConnectionId conn, const rotation::GenerationAck& a) override {
    if (++acks == drop_ack_number) {
      dropped_ack = true;
      return;
    }
    inner().send_ack(conn, a);
  }
};

class AgentEdge : public AgentEdgeFixture {
 protected:
  // Transport decorators live as long as the fixture (the agent may outlive a test body).
  LossyTransport* keep(std::unique_ptr<LossyTransport> t) {
    transports_.push_back(std::move(t));
    return static_cast<LossyTransport*>(transports_.back().get());
  }
  void expect_clean() {
    EXPECT_TRUE(violations_.empty())
        << violations_.size()
        << " violation(s), first: " << (violations_.empty() ? "" : violations_.front());
    EXPECT_EQ(lost_, 0U);
  }
  // An agent that rotates once (interval 1 h) and whose first ack never leaves.
  LossyTransport* start_agent_losing_first_ack() {
    LossyTransport* lossy = nullptr;
    AgentSetup setup;
    setup.interval = std::chrono::hours(1);
    setup.wrap = [&](AgentTransport& inner) -> AgentTransport& {
      lossy = keep(std::make_unique<LossyTransport>(inner));
      lossy->drop_ack_number = 1;
      return *lossy;
    };
    start_agent(setup);
    return lossy;
  }
  std::size_t edge_inbound_updates() {
    std::size_t n = 0;
    for (const auto& l : edge_kernel_.log_lines())
      n += l.starts_with("update SA") ? 1 : 0;
    return n;
  }
};

TEST_F(AgentEdge, FiftyRotationsNeverLeaveTrafficWithoutThePeersInboundSa) {
  start_edge();
  start_agent();
  ASSERT_TRUE(run_until([&] { return agent().rotations() >= 50; }, std::chrono::seconds(90)))
      << agent().rotations() << " rotations";
  ASSERT_TRUE(run_until([&] { return settled(); }));
  expect_clean();
  EXPECT_GT(delivered_, 100U);
  EXPECT_GT(checks_, 50U * 8U);  // every kernel step of both sides was checked
  EXPECT_EQ(edge_site1().generation(), agent().rotation().generation());
  // Inbound SAs are retired once the peer is proven on a newer generation: no pile-up.
  std::size_t inbound = 0;
  for (const auto& sa : agent_kernel_.sas())
    inbound += sa.direction == xfrm::SaDirection::in ? 1 : 0;
  EXPECT_LE(inbound, 3U);

  // Later connections resume the session (psk_dhe_ke): still a fresh X25519MLKEM768 key
  // exchange each time, only the edge's signature is saved.
  const auto tls = client().last_handshake();
  ASSERT_TRUE(tls);
  EXPECT_EQ(tls->info.group, "X25519MLKEM768");
  EXPECT_TRUE(tls->info.post_quantum);
  EXPECT_TRUE(tls->info.resumed);
  EXPECT_EQ(tls->session_signature, "ecdsa_secp256r1_sha256");
  EXPECT_GE(agent_metrics_.value("agent_tls_resumed_total"), 40);
  const app::StatusContext ctx{"policy", "192.0.2.1", "198.51.100.1"};
  auto text = app::render_status_text(
      app::to_json(app::collect_status(agent(), &client(), agent_kernel_, agent_metrics_, ctx)));
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("X25519MLKEM768"), std::string::npos) << *text;
  EXPECT_NE(text->find("-- post-quantum"), std::string::npos);
  expect_no_key_in_logs();

  // Rotation latency on loopback (connect, handshake, ALLOCSPI, request, installs, ack).
  std::vector<std::int64_t> us;
  for (const auto& t : agent().timings())
    us.push_back(t.latency.count());
  std::sort(us.begin(), us.end());
  const auto pct = [&](double p) { return us[static_cast<std::size_t>(p * (us.size() - 1))]; };
  std::cout << fmt::format(
      "rotation latency over {} rotations (ECDSA P-256 chains, resumed sessions): "
      "p50 {:.2f} ms, p99 {:.2f} ms\n",
      us.size(), pct(0.5) / 1000.0, pct(0.99) / 1000.0);
  RecordProperty("rotation_latency_p50_us", static_cast<int>(pct(0.5)));
  RecordProperty("rotation_latency_p99_us", static_cast<int>(pct(0.99)));
}

TEST_F(AgentEdge, LostAcknowledgementHealsWhileTheEdgeStillSendsOnTheOldGeneration) {
  start_edge();
  LossyTransport* lossy = nullptr;
  AgentSetup setup;
  setup.wrap = [&](AgentTransport& inner) -> AgentTransport& {
    lossy = keep(std::make_unique<LossyTransport>(inner));
    lossy->drop_ack_number = 3;
    return *lossy;
  };
  start_agent(setup);
  ASSERT_TRUE(run_until([&] { return lossy->dropped_ack; }));
  // The agent sends on 3; the edge, without the ack, still sends on 2 and holds 3 pending.
  EXPECT_EQ(agent().rotation().generation(), 3U);
  // The edge still sends on 2 with 3 pending, unless its counter poll already saw the agent
  // on 3 (the agent's old outbound drains before the ack goes).
  if (edge_site1().generation() == 2U) {
    EXPECT_EQ(edge_site1().pending(), 3U);
  } else {
    EXPECT_EQ(edge_site1().generation(), 3U);
  }
  ASSERT_TRUE(run_until_agent_generation(6));
  ASSERT_TRUE(run_until([&] { return settled(); }));
  EXPECT_TRUE(logs_->contains("site 'branch-1': agent proven on generation 3"));
  expect_clean();
  expect_no_key_in_logs();
}

// No traffic and no further rotation for an hour: only the repeated ack can tell the edge.
TEST_F(AgentEdge, LostAcknowledgementIsSentAgainUntilTheEdgeConfirmsIt) {
  move_counters_ = false;
  start_edge();
  LossyTransport* lossy = start_agent_losing_first_ack();
  ASSERT_TRUE(run_until([&] { return lossy->dropped_ack; }));
  EXPECT_EQ(agent().rotation().generation(), 1U);
  EXPECT_EQ(edge_site1().pending(), 1U);
  ASSERT_TRUE(run_until([&] { return settled(); }));
  EXPECT_EQ(agent().rotation().generation(), 1U);  // healed by the ack, not by a rotation
  EXPECT_EQ(edge_site1().generation(), 1U);
  EXPECT_EQ(lossy->acks, 2);
  EXPECT_EQ(agent_metrics_.value("agent_acks_resent_total"), 1);
  EXPECT_TRUE(logs_->contains("acknowledgement of generation 1 not confirmed (no answer in time)"));
  ASSERT_TRUE(run_until(
      [&] { return logs_->contains("edge proven on generation 1 (acknowledgement answered)"); }));
  expect_clean();
}

// The edge restarted while the ack was lost: its pending keys are gone, so the repeated ack
// gets generation_mismatch and the agent asks for a new generation at once.
TEST_F(AgentEdge, AcknowledgementTheRestartedEdgeNoLongerKnowsStartsANewGenerationAtOnce) {
  move_counters_ = false;
  start_edge();
  LossyTransport* lossy = start_agent_losing_first_ack();
  ASSERT_TRUE(run_until([&] { return lossy->dropped_ack; }));
  const std::uint16_t port = edge_port();
  stop_edge();
  start_edge(port);
  EXPECT_EQ(edge_site1().pending(), 0U);
  ASSERT_TRUE(run_until([&] { return settled(); }));
  EXPECT_EQ(agent().rotation().generation(), 2U);
  EXPECT_EQ(edge_site1().generation(), 2U);
  EXPECT_TRUE(logs_->contains("the edge no longer knows generation 1 (generation_mismatch)"));
  expect_clean();
}

TEST_F(AgentEdge, RepeatedRequestOnOneConnectionGetsTheSameOfferAndInstallsNothingTwice) {
  start_edge();
  LossyTransport* lossy = nullptr;
  AgentSetup setup;
  setup.wrap = [&](AgentTransport& inner) -> AgentTransport& {
    lossy = keep(std::make_unique<LossyTransport>(inner));
    lossy->repeat_request_number = 2;
    return *lossy;
  };
  start_agent(setup);
  ASSERT_TRUE(run_until_agent_generation(5));
  ASSERT_TRUE(run_until([&] { return settled(); }));
  EXPECT_EQ(lossy->offers, lossy->requests + 1);                 // the repeat was answered too
  EXPECT_EQ(edge_inbound_updates(), edge_site1().generation());  // one install per generation
  expect_clean();
}

TEST_F(AgentEdge, LostOfferIsRetriedOnANewConnectionAndTheStaleGenerationIsAbandoned) {
  start_edge();
  LossyTransport* lossy = nullptr;
  AgentSetup setup;
  setup.wrap = [&](AgentTransport& inner) -> AgentTransport& {
    lossy = keep(std::make_unique<LossyTransport>(inner));
    lossy->lose_offer_number = 2;
    return *lossy;
  };
  start_agent(setup);
  ASSERT_TRUE(run_until_agent_generation(5));
  ASSERT_TRUE(run_until([&] { return settled(); }));
  // Generation 2 was offered and never used: the agent went from 1 to 3.
  EXPECT_TRUE(logs_->contains("rotation attempt on endpoint 0 failed"));
  expect_clean();
}

TEST_F(AgentEdge, EdgeRestartedMidRotationConvergesAndKeepsBothDirectionsWorking) {
  // Without moving counters the edge can only learn of the agent's switch from messages, so
  // the pending generation is certainly still pending when it dies.
  move_counters_ = false;
  start_edge();
  LossyTransport* lossy = nullptr;
  AgentSetup setup;
  setup.wrap = [&](AgentTransport& inner) -> AgentTransport& {
    lossy = keep(std::make_unique<LossyTransport>(inner));
    lossy->drop_ack_number = 3;
    return *lossy;
  };
  start_agent(setup);
  ASSERT_TRUE(run_until([&] { return lossy->dropped_ack; }));
  // The edge dies with the agent's generation pending (its key for the outbound SA only in
  // memory) and still sending on the previous one.
  const rotation::Generation agent_gen = agent().rotation().generation();
  const rotation::Generation edge_gen = edge_site1().generation();
  EXPECT_LT(edge_gen, agent_gen);
  EXPECT_EQ(edge_site1().pending(), agent_gen);
  const std::uint16_t port = edge_port();
  stop_edge();
  start_edge(port);
  EXPECT_EQ(edge_site1().generation(), edge_gen);  // adopted from the kernel and the state file
  EXPECT_EQ(edge_site1().pending(), 0U);
  ASSERT_TRUE(run_until_agent_generation(agent_gen + 3));
  ASSERT_TRUE(run_until([&] { return settled(); }));
  expect_clean();
}

class AgentKilledAt : public AgentEdge, public ::testing::WithParamInterface<const char*> {};

TEST_P(AgentKilledAt, RestartConvergesToOneConsistentGeneration) {
  start_edge();
  AgentSetup setup;
  auto spec = keysvc::FaultHook::parse(GetParam());
  ASSERT_TRUE(spec);
  setup.fault = keysvc::FaultHook(*spec, [] { throw AgentKilled{}; });
  start_agent(setup);
  ASSERT_TRUE(run_until([&] { return agent_kills_ == 1; }));
  const rotation::Generation edge_before = edge_site1().generation();
  start_agent();  // the restart: state file + what the kernel holds
  ASSERT_TRUE(run_until_agent_generation(edge_before + 2));
  ASSERT_TRUE(run_until([&] { return settled(); }));
  for (const auto& sa : agent_kernel_.sas())
    EXPECT_FALSE(sa.larval) << "leaked larval SA 0x" << std::hex << sa.spi;
  expect_clean();
}

INSTANTIATE_TEST_SUITE_P(EveryStep, AgentKilledAt,
                         ::testing::Values("allocate_spi:3", "after_allocate_spi:3",
                                           "send_request:3", "after_send_request:3", "update_sa:3",
                                           "after_update_sa:3", "add_sa:3", "after_add_sa:3",
                                           "delete_sa:3", "after_delete_sa:3", "send_ack:3",
                                           "after_send_ack:3", "save_agent_state:12",
                                           "close_connection:3"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), ':', '_');
                           return n;
                         });

TEST_F(AgentEdge, EdgeDownLongerThanTheIntervalAgentRetriesAndKeepsItsSas) {
  start_edge();
  start_agent();
  ASSERT_TRUE(run_until_agent_generation(3));
  ASSERT_TRUE(run_until([&] { return settled(); }));
  const std::uint16_t port = edge_port();
  stop_edge();
  const auto rotations = agent().rotations();
  ASSERT_TRUE(run_until([&] { return agent().status().consecutive_failures >= 4; }));
  EXPECT_FALSE(agent().status().edge_reachable);
  EXPECT_TRUE(logs_->contains("edge unreachable, retrying"));
  EXPECT_EQ(agent().rotations(), rotations);
  std::size_t outbound = 0;
  for (const auto& sa : agent_kernel_.sas())
    outbound += sa.direction == xfrm::SaDirection::out ? 1 : 0;
  EXPECT_EQ(outbound, 1U);  // the current SAs keep carrying traffic
  start_edge(port);
  ASSERT_TRUE(run_until([&] { return agent().rotations() >= rotations + 2; }));
  EXPECT_TRUE(agent().status().edge_reachable);
  ASSERT_TRUE(run_until([&] { return settled(); }));
  expect_clean();
}

TEST_F(AgentEdge, SecondEndpointTakesOverWhenTheFirstRefuses) {
  start_edge();
  // A port nobody listens on: connections are refused at once.
  std::uint16_t dead = 0;
  {
    const xfrm::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);  // NOLINT
    socklen_t len = sizeof a;
    ASSERT_EQ(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len), 0);  // NOLINT
    dead = ntohs(a.sin_port);
  }
  AgentSetup setup;
  setup.ports = {dead, edge_port()};
  start_agent(setup);
  ASSERT_TRUE(run_until_agent_generation(3));
  EXPECT_EQ(agent().status().endpoint, 1U);
  EXPECT_TRUE(agent().status().edge_reachable);
  EXPECT_TRUE(logs_->contains("rotation attempt on endpoint 0 failed"));
  EXPECT_EQ(client().last_handshake()->endpoint, fmt::format("127.0.0.1:{}", edge_port()));
  ASSERT_TRUE(run_until([&] { return settled(); }));
  expect_clean();
}

TEST_F(AgentEdge, AnotherSitesCertificateGetsNothingOfThatSite) {
  start_edge();
  start_agent();
  ASSERT_TRUE(run_until_agent_generation(3));
  ASSERT_TRUE(run_until([&] { return settled(); }));
  stop_agent();
  const rotation::Generation before = edge_site1().generation();
  std::vector<std::uint32_t> branch1_spis;
  for (const auto& sa : edge_kernel_.sas())
    if (sa.reqid == 0x70710001) branch1_spis.push_back(sa.spi);

  // Branch-1's tunnel, but branch-2's certificate: whatever it gets is branch-2's.
  FakeKernel impostor_kernel(clock_);
  core::Metrics impostor_metrics;
  keysvc::AgentClientOptions co;
  co.endpoints = {config::EdgeEndpoint{config::Endpoint{"127.0.0.1", edge_port()}, "edge.test"}};
  co.tls = pki_->tls_options(branch2_);
  co.bypass_tunnel = false;
  auto impostor_client = keysvc::AgentClient::create(io_, co, impostor_metrics);
  ASSERT_TRUE(impostor_client.has_value());
  keysvc::AgentExecutorOptions eo;
  eo.rotation.tunnel.local = core::IpAddress::parse("192.0.2.1").value();
  eo.rotation.tunnel.remote = core::IpAddress::parse("198.51.100.1").value();
  eo.rotation.tunnel.reqid = 0x70710001;
  eo.rotation.interval = std::chrono::hours(1);
  eo.state_file = agent_state_ / "impostor.json";
  keysvc::AgentExecutor impostor(io_, impostor_kernel, **impostor_client, impostor_metrics, eo);
  ASSERT_TRUE(impostor.start());
  ASSERT_TRUE(run_until([&] { return impostor.rotations() >= 1; }));
  impostor.stop();

  EXPECT_EQ(edge_site1().generation(), before);
  EXPECT_EQ(edge_site1().pending(), 0U);
  std::vector<std::uint32_t> after;
  for (const auto& sa : edge_kernel_.sas())
    if (sa.reqid == 0x70710001) after.push_back(sa.spi);
  // Nothing new for branch-1 (its old inbound SA may have been retired meanwhile, by the
  // normal rule).
  for (std::uint32_t spi : after)
    EXPECT_NE(std::find(branch1_spis.begin(), branch1_spis.end(), spi), branch1_spis.end());
  // Its keys are bound to site "branch-2" (the certificate's CN): none is branch-1's.
  for (const auto& sa : impostor_kernel.sas()) {
    const core::SecureBytes* k = impostor_kernel.key_of(sa.id());
    if (k == nullptr) continue;
    for (const auto& known : keys_seen_)
      EXPECT_FALSE(known.equals(k->span()));
  }
  expect_clean();

  // A certificate whose CN is no site gets refused outright and nothing is installed.
  FakeKernel stranger_kernel(clock_);
  co.tls = pki_->tls_options(stranger_);
  auto stranger_client = keysvc::AgentClient::create(io_, co, impostor_metrics);
  ASSERT_TRUE(stranger_client.has_value());
  eo.state_file = agent_state_ / "stranger.json";
  keysvc::AgentExecutor stranger(io_, stranger_kernel, **stranger_client, impostor_metrics, eo);
  std::vector<std::uint32_t> edge_spis;
  for (const auto& sa : edge_kernel_.sas())
    edge_spis.push_back(sa.spi);
  ASSERT_TRUE(stranger.start());
  ASSERT_TRUE(run_until([&] { return stranger.status().consecutive_failures >= 1; }));
  stranger.stop();
  EXPECT_TRUE(logs_->contains("unknown_site"));
  // Nothing new (an old inbound SA of another site may have been retired meanwhile).
  for (const auto& sa : edge_kernel_.sas())
    EXPECT_NE(std::find(edge_spis.begin(), edge_spis.end(), sa.spi), edge_spis.end());
  std::size_t installed = 0;
  for (const auto& sa : stranger_kernel.sas())
    installed += sa.larval ? 0 : 1;
  EXPECT_EQ(installed, 0U);
}

TEST_F(AgentEdge, NatTraversalSendsTheHelloAndBothSidesEncapsulate) {
  // The site's address is where its hellos come from (a hello from elsewhere is ignored);
  // loopback has no NAT to detect, so encapsulation is forced.
  edge_config_.nat_traversal.mode = config::NatMode::force;
  edge_config_.sites[0].remote_address = core::IpAddress::parse("127.0.0.1").value();
  start_edge();
  AgentSetup setup;
  setup.nat = true;
  start_agent(setup);
  ASSERT_TRUE(run_until_agent_generation(3));
  ASSERT_TRUE(run_until([&] { return settled(); }));
  const auto agent_port = client().nat_port().value();
  bool edge_out_encap = false;
  for (const auto& sa : edge_kernel_.sas()) {
    if (sa.reqid != 0x70710001 || sa.direction != xfrm::SaDirection::out) continue;
    ASSERT_TRUE(sa.encap);
    EXPECT_EQ(sa.encap->dst_port, agent_port);  // learned from the hello, not the body
    EXPECT_EQ(sa.dst, core::IpAddress::parse("127.0.0.1").value());
    edge_out_encap = true;
  }
  EXPECT_TRUE(edge_out_encap);
  for (const auto& sa : agent_kernel_.sas()) {
    if (sa.direction == xfrm::SaDirection::out && !sa.larval) {
      ASSERT_TRUE(sa.encap);
      EXPECT_EQ(sa.encap->src_port, agent_port);
      EXPECT_EQ(sa.encap->dst_port, edge_->nat_port());
    }
  }
  EXPECT_GE(agent_metrics_.value("agent_nat_hellos_total"), 3);
  ASSERT_TRUE(run_until([&] { return agent_metrics_.value("agent_nat_keepalives_total") >= 1; }));
  expect_clean();
}

TEST_F(AgentEdge, NatTraversalOnlyOnTheAgentFallsBackToPlainEsp) {
  start_edge();  // nat_traversal "off" on the edge
  AgentSetup setup;
  setup.nat = true;
  start_agent(setup);
  ASSERT_TRUE(run_until_agent_generation(3));
  ASSERT_TRUE(run_until([&] { return settled(); }));
  EXPECT_TRUE(logs_->contains("edge has NAT traversal off"));
  for (FakeKernel* k : {&agent_kernel_, &edge_kernel_}) {
    for (const auto& sa : k->sas())
      EXPECT_FALSE(sa.encap) << "SA 0x" << std::hex << sa.spi;
  }
  expect_clean();
}

TEST_F(AgentEdge, ClassicalOnlyAgentIsRefusedInOneClearSentenceAndGetsNoSa) {
  start_edge();
  AgentSetup setup;
  setup.tweak = [](keysvc::AgentClientOptions& o) {
    o.tls.group_policy.groups = {"X25519"};
    o.tls.group_policy.allow_classical = true;
  };
  start_agent(setup);
  ASSERT_TRUE(run_until([&] { return agent().status().consecutive_failures >= 2; }));
  EXPECT_TRUE(logs_->contains(std::string(crypto::kEdgeRefusedHandshake)));
  EXPECT_NE(agent().status().last_error.find(crypto::kEdgeRefusedHandshake), std::string::npos)
      << agent().status().last_error;
  EXPECT_FALSE(client().last_handshake());
  for (FakeKernel* k : {&agent_kernel_, &edge_kernel_}) {
    for (const auto& sa : k->sas())
      EXPECT_TRUE(sa.larval) << "installed SA 0x" << std::hex << sa.spi;
  }
}

TEST_F(AgentEdge, DnsNameEndpointIsSentAsSniAndMustMatchTheEdgeCertificate) {
  const IssuedCert edge_test = edge_cert_;  // CN and SAN "edge.test"
  edge_cert_ = pki_->issue("localhost", CertRole::server).value();
  start_edge();
  AgentSetup setup;
  setup.host = "localhost";
  setup.name = "localhost";  // what [edge] makes of a DNS endpoint without a name
  start_agent(setup);
  ASSERT_TRUE(run_until_agent_generation(2));
  EXPECT_EQ(client().last_handshake()->endpoint, fmt::format("localhost:{}", edge_port()));
  stop_agent();

  // The same name, but the edge now presents a certificate for another name: refused.
  const std::uint16_t port = edge_port();
  stop_edge();
  edge_cert_ = edge_test;
  start_edge(port);
  start_agent(setup);
  ASSERT_TRUE(run_until([&] { return agent().status().consecutive_failures >= 1; }));
  EXPECT_TRUE(logs_->contains("edge certificate rejected")) << agent().status().last_error;
}

// What an agent connecting by address must not accept: an edge on the endpoint's address
// whose certificate chains to the CA but is not the edge's. The agent refuses it at TLS,
// says why, counts it, and sends that server no request.
struct ImpostorCase {
  const char* test_name;
  const char* cn;
  const char* san;
  CertRole role;
  const char* label;  // agent_edge_certificate_refused_total{reason}
  const char* log;
};

class EdgeIdentity : public AgentEdge, public ::testing::WithParamInterface<ImpostorCase> {};

TEST_P(EdgeIdentity, AnEdgeOnTheEndpointsAddressWithoutTheEdgesCertificateIsRefused) {
  const ImpostorCase& c = GetParam();
  edge_cert_ = pki_->issue(c.cn, c.role, {c.san}).value();
  start_edge();
  start_agent();  // 127.0.0.1, expecting "edge.test"
  ASSERT_TRUE(run_until([&] { return agent().status().consecutive_failures >= 2; }));
  EXPECT_TRUE(logs_->contains(c.log)) << agent().status().last_error;
  EXPECT_NE(agent().status().last_error.find("as edge.test"), std::string::npos)
      << agent().status().last_error;
  EXPECT_GE(agent_metrics_.value("agent_edge_certificate_refused_total",
                                 fmt::format("reason=\"{}\"", c.label)),
            2);
  EXPECT_FALSE(client().last_handshake());
  // The impostor got no request: it issued nothing and the agent installed nothing.
  EXPECT_EQ(edge_site1().generation(), 0U);
  for (FakeKernel* k : {&agent_kernel_, &edge_kernel_}) {
    for (const auto& sa : k->sas())
      EXPECT_TRUE(sa.larval) << "installed SA 0x" << std::hex << sa.spi;
  }
}

INSTANTIATE_TEST_SUITE_P(
    AgentEdge, EdgeIdentity,
    ::testing::Values(
        // Another site's certificate, with both usages as scripts/test-pki.sh issued them.
        ImpostorCase{"AnotherSitesCertificate", "branch-3", "DNS:branch-3",
                     CertRole::client_and_server, "name", "does not carry the expected edge name"},
        // The right chain and usage, another name.
        ImpostorCase{"ACertificateForAnotherName", "edge.other", "DNS:edge.other", CertRole::server,
                     "name", "does not carry the expected edge name"},
        // The edge's name, but a client certificate (extendedKeyUsage clientAuth only).
        ImpostorCase{"TheEdgesNameWithoutServerAuth", "edge-client", "DNS:edge.test",
                     CertRole::client, "purpose", "extendedKeyUsage does not allow serverAuth"}),
    [](const auto& param_info) { return std::string(param_info.param.test_name); });

// An edge name that is an IP address is matched against the certificate's iPAddress SANs:
// a DNS SAN of the same text does not do.
TEST_F(AgentEdge, AnAddressAsEdgeNameMatchesOnlyAnIpAddressSan) {
  edge_cert_ = pki_->issue("edge-by-address", CertRole::server, {"IP:127.0.0.1"}).value();
  start_edge();
  AgentSetup setup;
  setup.name = "127.0.0.1";
  start_agent(setup);
  ASSERT_TRUE(run_until_agent_generation(2));
  stop_agent();

  const std::uint16_t port = edge_port();
  stop_edge();
  edge_cert_ = pki_->issue("edge-by-dns", CertRole::server, {"DNS:127.0.0.1"}).value();
  start_edge(port);
  start_agent(setup);
  ASSERT_TRUE(run_until([&] { return agent().status().consecutive_failures >= 1; }));
  EXPECT_TRUE(logs_->contains("does not carry the expected edge name"))
      << agent().status().last_error;
  EXPECT_GE(agent_metrics_.value("agent_edge_certificate_refused_total", "reason=\"name\""), 1);
}

TEST(AgentClientOptions, AnEndpointWithoutAnEdgeNameIsRefused) {
  boost::asio::io_context io;
  core::Metrics metrics;
  keysvc::AgentClientOptions o;
  o.endpoints = {config::EdgeEndpoint{config::Endpoint{"127.0.0.1", 8443}, ""}};
  auto client = keysvc::AgentClient::create(io, o, metrics);
  ASSERT_FALSE(client.has_value());
  EXPECT_EQ(client.error(), config::errc::missing_key);
  EXPECT_NE(client.error().message().find("127.0.0.1:8443 has no edge name"), std::string::npos)
      << client.error().message();
}

}  // namespace
}  // namespace pqbranch::test
