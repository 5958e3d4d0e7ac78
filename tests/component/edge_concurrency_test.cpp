// Many connections at once through the edge, with 1, 2 and 4 worker threads: the admission
// bounds and the rotations come out exactly the same whatever the thread count (the
// expectations below are one set for every parameter).
#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <latch>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "pqbranch/keysvc/wire_mapping.hpp"
#include "pqbranch/wire/ack.hpp"
#include "pqbranch/wire/protocol.hpp"

#include "edge_fixture.hpp"

namespace pqbranch::test {
namespace {

constexpr std::size_t kSites = 16;  // each rotates on its own thread, all at once
constexpr rotation::Generation kRounds = 3;
// Idle connections from a second source: the per-source cap of unauthenticated connections
// (kSites) takes the first kSites, refuses the rest at accept.
constexpr std::size_t kIdle = kSites + 4;

// A TCP connection from 127.0.0.2 that never sends a byte.
core::Result<core::UniqueFd> connect_from_second_source(std::uint16_t port) {
  const auto failed = [](const char* what) {
    return core::Error{boost::system::error_code(errno, boost::system::system_category()), what};
  };
  core::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return failed("socket");
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(0x7F000002);
  sockaddr_in edge{};
  edge.sin_family = AF_INET;
  edge.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  edge.sin_port = htons(port);
  // NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&edge), sizeof edge) != 0) {
    return failed("connect");
  }
  // NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast)
  return fd;
}

// What one site's client saw: per round, the offer's generation and the ack's status.
struct SiteRun {
  std::array<rotation::Generation, kRounds> offered{};
  std::array<unsigned, kRounds> acked{};
  std::uint32_t last_agent_spi = 0;
  std::uint32_t last_edge_spi = 0;
  std::string failure;  // empty: every step answered
};

class EdgeConcurrency : public EdgeFixture, public ::testing::WithParamInterface<std::uint32_t> {
 protected:
  void SetUp() override {
    EdgeFixture::SetUp();
    config_.threads = GetParam();
    for (std::size_t i = 3; i <= kSites; ++i) {
      config::SiteSettings s = config_.sites.at(0);
      s.id = fmt::format("branch-{}", i);
      s.remote_address = ip(fmt::format("192.0.2.{}", i).c_str());
      s.prefixes = {net(fmt::format("10.{}.0.0/16", 100 + i).c_str())};
      s.reqid = kBranch1Reqid + static_cast<std::uint32_t>(i) - 1;
      config_.sites.push_back(s);
    }
    certs_ = {branch1_, branch2_};  // the fixture's
    for (std::size_t i = 3; i <= kSites; ++i) {
      certs_.push_back(pki_->issue(fmt::format("branch-{}", i), CertRole::client).value());
    }
  }

  // Site i (1-based) rotates kRounds times, a new connection each time.
  SiteRun rotate(std::size_t i) {
    SiteRun run;
    const std::string id = fmt::format("branch-{}", i);
    const auto ctx = client_context(&certs_.at(i - 1));
    for (rotation::Generation g = 1; g <= kRounds; ++g) {
      auto c = connect(ctx);
      if (!c) {
        run.failure = fmt::format("round {}: {}", g, c.error().message());
        return run;
      }
      const auto agent_spi = static_cast<std::uint32_t>(0x1000 + i * 0x10 + g);
      const wire::Capabilities caps{.esn = true, .natt = false, .route = false, .policy = true};
      auto r = c->request(
          "POST", wire::kGenerationPath,
          keysvc::encode_request(rotation::GenerationRequest{g - 1, agent_spi, std::nullopt},
                                 "0.1.0", caps));
      if (!r || r->status != 200U) {
        run.failure = fmt::format("round {}: no offer: {}", g, r ? r->body : r.error().message());
        return run;
      }
      auto offer = keysvc::decode_offer(r->body);
      if (!offer) {
        run.failure = fmt::format("round {}: not an offer: {}", g, r->body);
        return run;
      }
      run.offered.at(g - 1) = offer->generation;
      auto a = c->request("POST", wire::kGenerationAckPath,
                          keysvc::encode_ack(rotation::GenerationAck{
                              offer->generation, offer->agent_spi, offer->edge_spi}));
      run.acked.at(g - 1) = a ? a->status : 0;
      run.last_agent_spi = agent_spi;
      run.last_edge_spi = offer->edge_spi;
    }
    return run;
  }

  std::vector<IssuedCert> certs_;
};

TEST_P(EdgeConcurrency, ManyConnectionsAtOnceKeepTheBoundsAndRotateEverySiteExactly) {
  start([](keysvc::EdgeServerOptions& o) {
    o.admission.max_unauthenticated_per_source = kSites;
    o.handshake_timeout = std::chrono::seconds(60);  // the idle ones stay for the whole test
  });

  // Idle connections from 127.0.0.2: exactly kSites held, the rest refused at accept.
  std::vector<core::UniqueFd> idle;
  for (std::size_t i = 0; i < kIdle; ++i) {
    auto fd = connect_from_second_source(port());
    ASSERT_TRUE(fd.has_value()) << fd.error().message();
    idle.push_back(std::move(*fd));
  }
  const std::string per_source = R"(reason="per_source_unauthenticated")";
  ASSERT_TRUE(wait_until([&] {
    return metric("edge_connections_refused_total", per_source) == kIdle - kSites &&
           server_->open_connections() == kSites;
  }));

  // Every site rotates at once, each on its own client thread.
  std::vector<SiteRun> runs(kSites);
  {
    std::latch go(static_cast<std::ptrdiff_t>(kSites));
    std::vector<std::jthread> clients;
    for (std::size_t i = 1; i <= kSites; ++i) {
      clients.emplace_back([&, i] {
        go.arrive_and_wait();
        runs.at(i - 1) = rotate(i);
      });
    }
  }
  for (std::size_t i = 1; i <= kSites; ++i) {
    const SiteRun& run = runs.at(i - 1);
    SCOPED_TRACE(fmt::format("branch-{}", i));
    ASSERT_EQ(run.failure, "");
    for (rotation::Generation g = 1; g <= kRounds; ++g) {
      EXPECT_EQ(run.offered.at(g - 1), g);
      EXPECT_EQ(run.acked.at(g - 1), 200U);
    }
  }

  // The idle ones are still held, nothing more was refused, nothing evicted; every offer
  // and ack counted once.
  EXPECT_TRUE(wait_until([&] { return server_->open_connections() == kSites; }));
  EXPECT_EQ(metric("edge_connections_refused_total", per_source), kIdle - kSites);
  EXPECT_EQ(metric("edge_connections_evicted_total", R"(pool="unauthenticated")"), 0);
  EXPECT_EQ(metric("edge_connections_evicted_total", R"(pool="handshakes")"), 0);
  EXPECT_EQ(metric("edge_unauthenticated_connections"), static_cast<std::int64_t>(kSites));
  EXPECT_EQ(metric("edge_open_handshakes"), 0);
  for (std::size_t i = 1; i <= kSites; ++i) {
    const std::string site = fmt::format(R"(site="branch-{}")", i);
    EXPECT_EQ(metric("edge_offers_total", site), static_cast<std::int64_t>(kRounds)) << site;
    EXPECT_EQ(metric("edge_acks_total", site), static_cast<std::int64_t>(kRounds)) << site;
  }

  // Each site ends on its last generation, with exactly one outbound SA: the last agent
  // SPI; the last inbound SA is there too.
  const auto all = on_io([&] { return kernel_.sas(); });
  for (std::size_t i = 1; i <= kSites; ++i) {
    const SiteRun& run = runs.at(i - 1);
    const core::IpAddress agent = ip(fmt::format("192.0.2.{}", i).c_str());
    std::size_t outbound = 0;
    bool inbound = false;
    for (const xfrm::SaState& sa : all) {
      if (sa.direction == xfrm::SaDirection::out && sa.dst == agent) {
        ++outbound;
        EXPECT_EQ(sa.spi, run.last_agent_spi);
      }
      inbound = inbound || (sa.direction == xfrm::SaDirection::in && sa.spi == run.last_edge_spi);
    }
    EXPECT_EQ(outbound, 1U) << "branch-" << i;
    EXPECT_TRUE(inbound) << "branch-" << i;
    const std::size_t index = site_index(fmt::format("branch-{}", i));
    EXPECT_EQ(on_io([&] { return server_->executor().rotation(index).saved_state().generation; }),
              kRounds);
  }

  // The idle ones go: every gauge back to zero.
  idle.clear();
  ASSERT_TRUE(wait_until_no_connections());
  EXPECT_TRUE(wait_until([&] {
    return metric("edge_open_connections") == 0 &&
           metric("edge_unauthenticated_connections") == 0 && metric("edge_open_handshakes") == 0;
  }));
}

INSTANTIATE_TEST_SUITE_P(Threads, EdgeConcurrency, ::testing::Values(1U, 2U, 4U),
                         [](const ::testing::TestParamInfo<std::uint32_t>& p) {
                           return fmt::format("threads_{}", p.param);
                         });

}  // namespace
}  // namespace pqbranch::test
