// EdgeExecutor with a FakeKernel and a ManualClock: what the executor decides on its own
// (addresses, encapsulation, SPI conflicts, learned tunnels, acks, timers, restarts).

#include "pqbranch/keysvc/edge_executor.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <utility>

#include <gtest/gtest.h>

#include "fakes/ip_text.hpp"
#include "fakes/manual_clock.hpp"
#include "fakes/xfrm/fake_kernel.hpp"
#include "fakes/xfrm/fake_route_table.hpp"

namespace pqbranch::keysvc {
namespace {

using namespace std::chrono_literals;

using test::ip;
using test::net;

const core::IpAddress kEdgeAddress = ip("198.51.100.1");
const core::IpAddress kBranch = ip("192.0.2.1");
const core::IpAddress kNat = ip("203.0.113.7");

// Stands in for the TLS exporter: distinct keys per generation and direction.
core::Result<rotation::GenerationKeys> fake_keys(const rotation::DeriveKeys& d) {
  rotation::GenerationKeys k{core::SecureBytes(xfrm::kAeadKeyBytes),
                             core::SecureBytes(xfrm::kAeadKeyBytes)};
  for (std::size_t i = 0; i < xfrm::kAeadKeyBytes; ++i) {
    k.agent_to_edge.data()[i] = static_cast<std::uint8_t>(d.generation * 2);
    k.edge_to_agent.data()[i] = static_cast<std::uint8_t>(d.generation * 2 + 1);
  }
  return k;
}

class EdgeExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pqb-edge-executor-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    config_.state_directory = dir_;
    config_.tunnel.local_address = kEdgeAddress;
    config_.tunnel.local_prefixes = {net("10.9.0.0/16")};
    config::SiteSettings a;
    a.id = "branch-1";
    a.remote_address = kBranch;
    a.prefixes = {net("10.1.0.0/16")};
    a.reqid = 0x70710001;
    config::SiteSettings b;  // behind a NAT: no address
    b.id = "branch-2";
    b.prefixes = {net("10.2.0.0/16")};
    b.reqid = 0x70710002;
    config::SiteSettings c = b;
    c.id = "branch-3";
    c.prefixes = {net("10.3.0.0/16")};
    c.reqid = 0x70710003;
    config_.sites = {a, b, c};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<EdgeExecutor> make(config::NatMode mode = config::NatMode::automatic,
                                     xfrm::RouteTable* routes = nullptr) {
    EdgeExecutorOptions o;
    o.sites = edge_sites(config_);
    o.nat_mode = mode;
    o.clock = &clock_;
    o.fault = std::exchange(fault_, FaultHook{});
    o.observer = [this](const AppliedEdgeAction& a) {
      ++applied_;
      if (a.error) ++failed_;
    };
    auto e = std::make_unique<EdgeExecutor>(kernel_, routes, metrics_, std::move(o));
    auto started = e->start();
    EXPECT_TRUE(started.has_value()) << started.error().message();
    return e;
  }

  static IncomingRequest incoming(rotation::ConnectionId conn, rotation::Generation current,
                                  std::uint32_t spi,
                                  std::optional<std::uint16_t> nat_port = std::nullopt,
                                  std::optional<rotation::NatMapping> hello = std::nullopt,
                                  core::IpAddress peer = kBranch) {
    return IncomingRequest{conn, rotation::GenerationRequest{current, spi, nat_port}, hello, peer};
  }

  rotation::GenerationOffer offered(EdgeExecutor& e, std::size_t site, const IncomingRequest& in) {
    RequestAnswer a = e.request(site, in, fake_keys);
    const auto* o = std::get_if<rotation::GenerationOffer>(&a);
    if (o == nullptr) {
      ADD_FAILURE() << "refused: " << std::get<rotation::Refusal>(a).detail;
      return {};
    }
    return *o;
  }

  std::size_t policies_with_remote(const core::IpAddress& remote) const {
    std::size_t n = 0;
    for (const auto& p : kernel_.policies()) {
      for (const auto& t : p.policy.templates) {
        if (t.src == remote || t.dst == remote) ++n;
      }
    }
    return n;
  }

  std::filesystem::path dir_;
  config::EdgeConfig config_;
  test::ManualClock clock_;
  test::FakeKernel kernel_{clock_};
  core::Metrics metrics_;
  FaultHook fault_;  // for the next make()
  int applied_ = 0;
  int failed_ = 0;
};

TEST_F(EdgeExecutorTest, StartSetsUpTunnelsOfSitesWithAnAddressOnly) {
  auto e = make();
  // branch-1: out, in, fwd; the NAT sites wait for their first offer.
  EXPECT_EQ(kernel_.policies().size(), 3U);
  EXPECT_EQ(policies_with_remote(kBranch), 3U);
  EXPECT_EQ(e->site_count(), 3U);
  EXPECT_EQ(e->find_site("branch-2"), 1U);
  EXPECT_FALSE(e->find_site("branch-9").has_value());
  // Every machine saved its (empty) state.
  EXPECT_TRUE(std::filesystem::exists(dir_ / "site-branch-3.json"));
}

TEST_F(EdgeExecutorTest, AutoModeEncapsulatesOnlyWhenTheHelloShowsANat) {
  auto e = make(config::NatMode::automatic);
  // From the site's own address and port: no NAT, plain ESP to the configured address.
  const auto plain =
      offered(*e, 0, incoming(1, 0, 0x1000, 4500, rotation::NatMapping{kBranch, 4500}));
  EXPECT_FALSE(plain.encap.has_value());
  EXPECT_EQ(plain.tunnel.agent_address, kBranch);
  // Another port seen: a NAT in front of the configured address; encapsulate to that port.
  const auto nat =
      offered(*e, 0, incoming(2, 0, 0x1001, 4500, rotation::NatMapping{kBranch, 40001}));
  ASSERT_TRUE(nat.encap.has_value());
  EXPECT_EQ(nat.encap->dst_port, 40001);
  EXPECT_EQ(nat.tunnel.agent_address, kBranch);
  // No hello at all (the server refuses such a request when NAT-T was asked for; here the
  // executor alone): plain ESP.
  const auto none = offered(*e, 0, incoming(3, 0, 0x1002, 4500));
  EXPECT_FALSE(none.encap.has_value());
}

TEST_F(EdgeExecutorTest, ForceAlwaysAndOffNeverEncapsulate) {
  {
    auto e = make(config::NatMode::force);
    const auto o =
        offered(*e, 0, incoming(1, 0, 0x1000, 4500, rotation::NatMapping{kBranch, 4500}));
    EXPECT_TRUE(o.encap.has_value());
  }
  {
    auto e = make(config::NatMode::off);
    const auto o = offered(*e, 0, incoming(2, 0, 0x2000, 4500, rotation::NatMapping{kNat, 40001}));
    EXPECT_FALSE(o.encap.has_value());
    EXPECT_EQ(o.tunnel.agent_address, kBranch);
  }
}

TEST_F(EdgeExecutorTest, ASiteWithoutAnAddressGetsItsTunnelWithItsFirstOffer) {
  auto e = make();
  EXPECT_EQ(policies_with_remote(kNat), 0U);
  // No encapsulation asked: the TCP peer's address.
  const auto o1 = offered(*e, 1, incoming(1, 0, 0x1000, std::nullopt, std::nullopt, kNat));
  EXPECT_EQ(o1.tunnel.agent_address, kNat);
  EXPECT_EQ(policies_with_remote(kNat), 3U);
  ASSERT_FALSE(e->ack(1, 1, {o1.generation, o1.agent_spi, o1.edge_spi}).refusal);
  // The site moved: the policies follow, the old ones go.
  const core::IpAddress moved = ip("203.0.113.99");
  const auto o2 = offered(*e, 1, incoming(2, 1, 0x1001, std::nullopt, std::nullopt, moved));
  EXPECT_EQ(o2.tunnel.agent_address, moved);
  EXPECT_EQ(policies_with_remote(moved), 3U);
  EXPECT_EQ(policies_with_remote(kNat), 0U);
  EXPECT_EQ(policies_with_remote(kBranch), 3U);  // branch-1 untouched
}

TEST_F(EdgeExecutorTest, TwoSitesBehindOneNatCannotShareAnSpi) {
  auto e = make();
  const rotation::NatMapping nat{kNat, 40001};
  const auto o = offered(*e, 1, incoming(1, 0, 0x1000, 4500, nat, kNat));
  ASSERT_TRUE(o.encap.has_value());
  // branch-3 behind the same NAT picks the same SPI before branch-2 acknowledged.
  const auto answer = e->request(
      2, incoming(2, 0, 0x1000, 4500, rotation::NatMapping{kNat, 40002}, kNat), fake_keys);
  ASSERT_TRUE(std::holds_alternative<rotation::Refusal>(answer));
  EXPECT_EQ(std::get<rotation::Refusal>(answer).code, rotation::RefusalCode::spi_conflict);
  EXPECT_EQ(e->rotation(2).saved_state().last_issued, 0U);
  // Another SPI is fine.
  EXPECT_EQ(offered(*e, 2, incoming(3, 0, 0x1001, 4500, rotation::NatMapping{kNat, 40002}, kNat))
                .generation,
            1U);
}

// A hello from another address never replaces a site's configured address: whoever can
// send UDP to the edge could otherwise point a site's ESP elsewhere.
TEST_F(EdgeExecutorTest, AConfiguredAddressIsNeverTakenFromAHello) {
  std::uint32_t spi = 0x1000;
  for (const auto mode : {config::NatMode::automatic, config::NatMode::force}) {
    auto e = make(mode);
    const auto o = offered(*e, 0, incoming(spi, 0, spi, 4500, rotation::NatMapping{kNat, 40001}));
    ++spi;
    EXPECT_EQ(o.tunnel.agent_address, kBranch);
    EXPECT_FALSE(o.encap.has_value());  // no usable hello: plain ESP
  }
  for (const auto& sa : kernel_.sas()) {
    EXPECT_NE(sa.src, kNat);
    EXPECT_NE(sa.dst, kNat);
  }
  EXPECT_EQ(metrics_.value("edge_nat_hellos_ignored_total", "site=\"branch-1\""), 2);
}

// A site that asks for generations and never acknowledges them holds no SPI reservation
// against another site behind the same NAT: an abandoned generation's outbound SA will
// never be installed.
TEST_F(EdgeExecutorTest, AnAbandonedGenerationReservesNoSpiOfAnotherSite) {
  auto e = make();
  const rotation::NatMapping nat{kNat, 40001};
  offered(*e, 1, incoming(1, 0, 0x1000, 4500, nat, kNat));
  offered(*e, 1, incoming(2, 0, 0x1001, 4500, nat, kNat));  // generation 1 abandoned
  // branch-3 behind the same NAT may use 0x1000; 0x1001 (branch-2's pending) it may not.
  EXPECT_EQ(offered(*e, 2, incoming(3, 0, 0x1000, 4500, rotation::NatMapping{kNat, 40002}, kNat))
                .generation,
            1U);
  const auto answer = e->request(
      2, incoming(4, 1, 0x1001, 4500, rotation::NatMapping{kNat, 40002}, kNat), fake_keys);
  ASSERT_TRUE(std::holds_alternative<rotation::Refusal>(answer));
  EXPECT_EQ(std::get<rotation::Refusal>(answer).code, rotation::RefusalCode::spi_conflict);
}

TEST_F(EdgeExecutorTest, AcksMustNameAKnownGenerationAndItsSpis) {
  auto e = make();
  const auto o = offered(*e, 0, incoming(1, 0, 0x1000));
  const auto sas_before = kernel_.sas().size();
  for (const rotation::GenerationAck& wrong :
       {rotation::GenerationAck{2, o.agent_spi, o.edge_spi},
        rotation::GenerationAck{1, o.agent_spi + 1, o.edge_spi},
        rotation::GenerationAck{1, o.agent_spi, o.edge_spi + 1}}) {
    const AckAnswer a = e->ack(0, 1, wrong);
    ASSERT_TRUE(a.refusal.has_value());
    EXPECT_EQ(a.refusal->code, rotation::RefusalCode::generation_mismatch);
  }
  EXPECT_EQ(kernel_.sas().size(), sas_before);
  EXPECT_EQ(e->rotation(0).generation(), 0U);
  const AckAnswer ok = e->ack(0, 1, {1, o.agent_spi, o.edge_spi});
  EXPECT_FALSE(ok.refusal.has_value());
  EXPECT_TRUE(ok.edge_outbound_installed);
  EXPECT_EQ(e->rotation(0).generation(), 1U);
  // Repeated: a no-op that still says yes.
  EXPECT_TRUE(e->ack(0, 2, {1, o.agent_spi, o.edge_spi}).edge_outbound_installed);
}

TEST_F(EdgeExecutorTest, ATimerRetiresTheOldInboundSaAfterTheGracePeriod) {
  auto e = make();
  const auto o1 = offered(*e, 0, incoming(1, 0, 0x1000));
  ASSERT_FALSE(e->ack(0, 1, {1, o1.agent_spi, o1.edge_spi}).refusal);
  const auto o2 = offered(*e, 0, incoming(2, 1, 0x1001));
  ASSERT_FALSE(e->ack(0, 2, {2, o2.agent_spi, o2.edge_spi}).refusal);
  const xfrm::SaId inbound1{kEdgeAddress, o1.edge_spi, xfrm::Proto::esp, 0, 0};
  ASSERT_NE(kernel_.key_of(inbound1), nullptr);
  e->tick();  // not yet
  EXPECT_NE(kernel_.key_of(inbound1), nullptr);
  // The wakes the executor asks for (the old outbound's drain, then the grace period) and
  // nothing else retire it, and not before the grace period.
  const auto start = clock_.now();
  for (int i = 0; i < 5 && kernel_.key_of(inbound1) != nullptr; ++i) {
    const auto wake = e->next_wake();
    ASSERT_TRUE(wake.has_value());
    clock_.advance(*wake - clock_.now());
    e->tick();
  }
  EXPECT_EQ(kernel_.key_of(inbound1), nullptr);
  EXPECT_GE(clock_.now() - start,
            rotation::EdgeSiteConfig{}.grace);  // edge_sites keeps the default
  EXPECT_EQ(failed_, 0);
}

TEST_F(EdgeExecutorTest, ARestartAdoptsTheKernelsSasAndForgetsThePendingKeys) {
  rotation::GenerationOffer pending;
  {
    auto e = make();
    const auto o1 = offered(*e, 0, incoming(1, 0, 0x1000));
    ASSERT_FALSE(e->ack(0, 1, {1, o1.agent_spi, o1.edge_spi}).refusal);
    pending = offered(*e, 0, incoming(2, 1, 0x1001));  // offered, never acknowledged
  }
  const auto sas_before = kernel_.sas().size();
  auto e = make();
  EXPECT_EQ(kernel_.sas().size(), sas_before) << "adopted, nothing removed";
  EXPECT_EQ(e->rotation(0).generation(), 1U);
  // The lost pending generation's ack cannot be honoured: its key died with the process.
  const AckAnswer a = e->ack(0, 3, {2, pending.agent_spi, pending.edge_spi});
  ASSERT_TRUE(a.refusal.has_value());
  EXPECT_EQ(a.refusal->code, rotation::RefusalCode::generation_mismatch);
  // The next request brings a fresh number above everything issued.
  EXPECT_EQ(offered(*e, 0, incoming(4, 2, 0x1002)).generation, 3U);
}

// A corrupt (or lost) state file: the site's SAs in the kernel are what the agent may be
// sending on, so they stay, and the agent's next rotation replaces them by the usual rules.
// (Before, the site's SAs were deleted at start: the tunnel was down until that rotation.)
TEST_F(EdgeExecutorTest, ACorruptStateFileKeepsTheSitesSasUntilTheNextRotationReplacesThem) {
  rotation::GenerationOffer o1;
  {
    auto e = make();
    o1 = offered(*e, 0, incoming(1, 0, 0x1000));
    ASSERT_FALSE(e->ack(0, 1, {1, o1.agent_spi, o1.edge_spi}).refusal);
  }
  const std::filesystem::path file = dir_ / "site-branch-1.json";
  std::ofstream(file, std::ios::trunc) << R"({"version":1,"site_id":)";
  const xfrm::SaId inbound1{kEdgeAddress, o1.edge_spi, xfrm::Proto::esp, 0, 0};
  const xfrm::SaId outbound1{kBranch, o1.agent_spi, xfrm::Proto::esp, 0, 0};
  auto e = make();
  EXPECT_NE(kernel_.key_of(inbound1), nullptr) << "kept";
  EXPECT_NE(kernel_.key_of(outbound1), nullptr) << "kept";
  ASSERT_TRUE(load_edge_site_state(file).has_value()) << "saved again, loadable";
  // The agent, still on its generation 1, rotates: the edge issues a number above it.
  const auto o2 = offered(*e, 0, incoming(2, 1, 0x1001));
  EXPECT_GT(o2.generation, 1U);
  EXPECT_NE(o2.edge_spi, o1.edge_spi);  // a fresh SPI, not the kept SA's
  ASSERT_FALSE(e->ack(0, 2, {o2.generation, o2.agent_spi, o2.edge_spi}).refusal);
  for (int i = 0; i < 5 && kernel_.key_of(inbound1) != nullptr; ++i) {
    const auto wake = e->next_wake();
    ASSERT_TRUE(wake.has_value());
    clock_.advance(*wake - clock_.now());
    e->tick();
  }
  EXPECT_EQ(kernel_.key_of(outbound1), nullptr) << "replaced by the new generation's";
  EXPECT_EQ(kernel_.key_of(inbound1), nullptr) << "retired once the agent was on the new one";
  EXPECT_EQ(failed_, 0);
}

// XFRM_MSG_MAPPING on an inbound SA of a site behind a NAT: the NAT gave the agent another
// port. Every SA towards that address follows (keys untouched), and so does the pending
// generation's outbound SA when the ack promotes it.
TEST_F(EdgeExecutorTest, ANatMappingChangeMovesTheSitesSasAndThePendingGenerationToTheNewPort) {
  auto e = make();
  const rotation::NatMapping nat{kNat, 40001};
  const auto o1 = offered(*e, 1, incoming(1, 0, 0x1000, 4500, nat, kNat));
  ASSERT_FALSE(e->ack(1, 1, {1, o1.agent_spi, o1.edge_spi}).refusal);
  const auto o2 = offered(*e, 1, incoming(2, 1, 0x1001, 4500, nat, kNat));  // pending
  const xfrm::SaId in1{kEdgeAddress, o1.edge_spi, xfrm::Proto::esp, 0, 0};
  const xfrm::SaId in2{kEdgeAddress, o2.edge_spi, xfrm::Proto::esp, 0, 0};
  const xfrm::SaId out1{kNat, o1.agent_spi, xfrm::Proto::esp, 0, 0};
  const core::SecureBytes key_out1 = kernel_.key_of(out1)->clone();
  const core::SecureBytes key_in2 = kernel_.key_of(in2)->clone();

  xfrm::MappingEvent m;
  m.id = in2;
  m.reqid = 0x70710002;
  m.old_src = kNat;
  m.old_sport = 40001;
  m.new_src = kNat;
  m.new_sport = 40002;
  m.owned = true;
  kernel_.inject_event(m);
  kernel_.inject_event(m);  // the kernel repeats it for every packet until applied
  e->kernel_events();
  EXPECT_EQ(metrics_.value("edge_nat_mapping_events_total"), 2);
  EXPECT_EQ(kernel_.get_sa(in1)->encap->src_port, 40002);
  EXPECT_EQ(kernel_.get_sa(in2)->encap->src_port, 40002);
  EXPECT_EQ(kernel_.get_sa(in2)->encap->dst_port, xfrm::kNatTPort);
  EXPECT_EQ(kernel_.get_sa(out1)->encap->dst_port, 40002);
  EXPECT_EQ(kernel_.get_sa(out1)->encap->src_port, xfrm::kNatTPort);
  EXPECT_TRUE(kernel_.key_of(out1)->equals(key_out1.span()));  // placeholder never installed
  EXPECT_TRUE(kernel_.key_of(in2)->equals(key_in2.span()));
  std::size_t updates = 0;
  for (const auto& l : kernel_.log_lines())
    updates += l.starts_with("update SA") ? 1 : 0;
  EXPECT_EQ(updates, 2U + 3U);  // two larval completions, three SAs moved once

  ASSERT_FALSE(e->ack(1, 2, {2, o2.agent_spi, o2.edge_spi}).refusal);
  const xfrm::SaId out2{kNat, o2.agent_spi, xfrm::Proto::esp, 0, 0};
  ASSERT_TRUE(kernel_.get_sa(out2));
  EXPECT_EQ(kernel_.get_sa(out2)->encap->dst_port, 40002);
  EXPECT_EQ(failed_, 0);

  // Another address cannot be followed (an SA's addresses are fixed): nothing changes.
  m.new_src = ip("203.0.113.8");
  m.new_sport = 40003;
  kernel_.inject_event(m);
  e->kernel_events();
  EXPECT_EQ(kernel_.get_sa(out2)->encap->dst_port, 40002);
}

// Thrown by the fault hook: the executor stops dead, as with SIGKILL.
struct EdgeKilled {};

// Killed right after installing inbound 2, before answering: the agent never saw the offer
// and asks again from generation 1. The restarted edge issues 3, and once the agent is on
// it nothing of 1 or 2 is left.
TEST_F(EdgeExecutorTest, KilledAfterTheInboundInstallTheRestartedEdgeConverges) {
  fault_ = FaultHook(*FaultHook::parse("after_update_sa:2", FaultSide::edge),
                     [] { throw EdgeKilled{}; });
  {
    auto e = make();
    const auto o1 = offered(*e, 0, incoming(1, 0, 0x1000));
    ASSERT_FALSE(e->ack(0, 1, {1, o1.agent_spi, o1.edge_spi}).refusal);
    EXPECT_THROW((void)e->request(0, incoming(2, 1, 0x1001), fake_keys), EdgeKilled);
  }
  std::size_t inbound = 0;
  for (const auto& sa : kernel_.sas())
    inbound += sa.direction == xfrm::SaDirection::in ? 1 : 0;
  EXPECT_EQ(inbound, 2U);  // 1 and the never-offered 2
  auto e = make();
  const auto o3 = offered(*e, 0, incoming(3, 1, 0x1002));
  EXPECT_EQ(o3.generation, 3U);
  EXPECT_EQ(o3.edge_generation, 1U);
  ASSERT_TRUE(e->ack(0, 3, {3, o3.agent_spi, o3.edge_spi}).edge_outbound_installed);
  for (int i = 0; i < 8 && e->next_wake(); ++i) {
    clock_.advance(*e->next_wake() - clock_.now());
    e->tick();
  }
  std::vector<std::uint32_t> left;
  for (const auto& sa : kernel_.sas())
    left.push_back(sa.spi);
  std::vector<std::uint32_t> expected{o3.agent_spi, o3.edge_spi};
  std::sort(left.begin(), left.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(left, expected);
  EXPECT_EQ(failed_, 0);
}

TEST_F(EdgeExecutorTest, RouteModeSitesGetTheirInterfaceAndRoutesAndSasCarryTheIfId) {
  config_.sites[0].if_id = 42;
  config_.sites.resize(1);
  test::FakeRouteTable routes;
  routes.add_device("pqbe42");  // what the FakeKernel's create_xfrm_interface stands for
  auto e = make(config::NatMode::automatic, &routes);
  ASSERT_EQ(kernel_.interfaces().size(), 1U);
  EXPECT_EQ(kernel_.interfaces()[0].name, "pqbe42");
  EXPECT_EQ(kernel_.interfaces()[0].if_id, 42U);
  EXPECT_TRUE(routes.is_up("pqbe42"));
  ASSERT_EQ(routes.routes().count(net("10.1.0.0/16")), 1U);
  EXPECT_EQ(routes.routes().at(net("10.1.0.0/16")), "pqbe42");
  for (const auto& p : kernel_.policies())
    EXPECT_EQ(p.policy.if_id, 42U);
  const auto o = offered(*e, 0, incoming(1, 0, 0x1000));
  EXPECT_EQ(o.tunnel.if_id, 42U);
  ASSERT_FALSE(e->ack(0, 1, {o.generation, o.agent_spi, o.edge_spi}).refusal);
  for (const auto& sa : kernel_.sas())
    EXPECT_EQ(sa.if_id, 42U);
}

}  // namespace
}  // namespace pqbranch::keysvc
