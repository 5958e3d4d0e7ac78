// Release files over the key-service connection (docs/key-service.md §9): the real edge
// server on loopback TLS, the agent's client against it, and a hostile server for what a
// real edge never does (truncation, stalls, oversized bodies, busy).
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <sys/stat.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pqbranch/crypto/hash.hpp"
#include "pqbranch/keysvc/agent_client.hpp"
#include "pqbranch/keysvc/errc.hpp"
#include "pqbranch/keysvc/wire_mapping.hpp"
#include "pqbranch/rotation/generation.hpp"
#include "pqbranch/wire/error_response.hpp"
#include "pqbranch/wire/protocol.hpp"
#include "pqbranch/wire/release_path.hpp"

#include "edge_fixture.hpp"
#include "fakes/hostile_release_server.hpp"
#include "fakes/log_capture.hpp"

namespace pqbranch::test {
namespace {

namespace fs = std::filesystem;
using keysvc::errc;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kChannel = "stable";
constexpr const char* kPackage = "pqbranch-agent_0.2.0_amd64.deb";

// Deterministic bytes that are not a repeating pattern of a short period.
std::string pseudo_random(std::size_t n, std::uint32_t seed) {
  std::string out(n, '\0');
  std::uint32_t x = seed;
  for (char& c : out) {
    x = x * 1664525U + 1013904223U;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::uint8_t> sha256(const std::string& bytes) {
  return crypto::digest(crypto::Hash::sha256,
                        std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()),  // NOLINT
                                  bytes.size()))
      .value();
}

class ReleaseTest : public EdgeFixture {
 protected:
  void SetUp() override {
    EdgeFixture::SetUp();
    releases_ = pki_->dir() / "releases";
    downloads_ = pki_->dir() / "downloads";
    fs::create_directories(releases_ / kChannel);
    fs::create_directories(downloads_);
    manifest_ = pseudo_random(3000, 7);
    package_ = pseudo_random(std::size_t{5} * 1024 * 1024 + 123, 11);
    write_file(releases_ / kChannel / "manifest", manifest_);
    write_file(releases_ / kChannel / kPackage, package_);
    config_.releases.directory = releases_;
  }
  void TearDown() override {
    clients_.clear();
    EdgeFixture::TearDown();
  }

  keysvc::AgentClient& agent(const IssuedCert& cert, std::uint16_t port = 0) {
    keysvc::AgentClientOptions o;
    o.endpoints = {config::EdgeEndpoint{
        config::Endpoint{"127.0.0.1", port != 0 ? port : this->port()}, "edge.test"}};
    o.tls = pki_->tls_options(cert);
    o.bypass_tunnel = false;
    o.connect_timeout = seconds(3);
    auto c = keysvc::AgentClient::create(client_io_, o, client_metrics_);
    EXPECT_TRUE(c.has_value()) << c.error().message();
    clients_.push_back(std::move(*c));
    return *clients_.back();
  }

  static keysvc::ReleaseTransfer transfer(std::uint64_t max_bytes) {
    keysvc::ReleaseTransfer t;
    t.max_bytes = max_bytes;
    t.deadline = seconds(20);
    t.idle_timeout = seconds(5);
    return t;
  }

  // Runs the client's io_context until `reply` is set (at most 30 s, then the test fails).
  template <class T>
  T run_until(std::optional<T>& reply) {
    const auto limit = std::chrono::steady_clock::now() + seconds(30);
    client_io_.restart();
    while (!reply && std::chrono::steady_clock::now() < limit) {
      client_io_.run_one_for(milliseconds(100));
    }
    EXPECT_TRUE(reply.has_value()) << "no reply within 30 s";
    if (!reply) std::abort();
    return std::move(*reply);
  }

  keysvc::ReleaseReply<std::string> manifest(keysvc::AgentClient& c, keysvc::ReleaseTransfer t,
                                             const std::string& channel = kChannel) {
    std::optional<keysvc::ReleaseReply<std::string>> reply;
    c.fetch_release_manifest(channel, t, [&](auto r) { reply = std::move(r); });
    return run_until(reply);
  }
  keysvc::ReleaseReply<keysvc::DownloadedPackage> download(keysvc::AgentClient& c,
                                                           keysvc::ReleaseTransfer t,
                                                           const std::string& file = kPackage) {
    std::optional<keysvc::ReleaseReply<keysvc::DownloadedPackage>> reply;
    c.download_release_package(kChannel, file, downloads_, t,
                               [&](auto r) { reply = std::move(r); });
    return run_until(reply);
  }
  keysvc::ReleaseReply<void> report(keysvc::AgentClient& c, const wire::ReleaseReport& r) {
    std::optional<keysvc::ReleaseReply<void>> reply;
    c.send_release_report(kChannel, r, transfer(wire::kMaxBodyBytes),
                          [&](auto x) { reply = std::move(x); });
    return run_until(reply);
  }

  // Nothing under the download directory: no package, no partial file.
  [[nodiscard]] bool downloads_empty() const { return fs::is_empty(downloads_); }

  HttpResponse raw_request(const IssuedCert& cert, const std::string& method,
                           const std::string& target, const std::string& body = {}) {
    const auto ctx = client_context(&cert);
    auto c = connect(ctx);
    EXPECT_TRUE(c.has_value()) << c.error().message();
    if (!c) return {};
    auto r = c->request(method, target, body);
    EXPECT_TRUE(r.has_value()) << r.error().message();
    return r ? *r : HttpResponse{};
  }

  // A hostile server with the edge's certificate, so the agent's TLS succeeds.
  std::unique_ptr<HostileReleaseServer> hostile(Misbehaviour m, std::uint64_t body_bytes) {
    auto ctx = crypto::make_server_context(pki_->tls_options(server_cert_));
    EXPECT_TRUE(ctx.has_value()) << ctx.error().message();
    hostile_ctx_ = std::move(*ctx);
    auto s = HostileReleaseServer::start(hostile_ctx_.get(), m, body_bytes);
    EXPECT_TRUE(s.has_value()) << s.error().message();
    return std::move(*s);
  }

  fs::path releases_;
  fs::path downloads_;
  std::string manifest_;
  std::string package_;
  boost::asio::io_context client_io_;
  core::Metrics client_metrics_;
  std::vector<std::unique_ptr<keysvc::AgentClient>> clients_;
  crypto::SslCtx hostile_ctx_;
};

TEST_F(ReleaseTest, TheManifestIsFetchedByteExact) {
  start();
  auto r = manifest(agent(branch1_), transfer(wire::kMaxManifestBytes));
  ASSERT_TRUE(r.value.has_value()) << r.value.error().message();
  EXPECT_EQ(*r.value, manifest_);
  EXPECT_EQ(metric("edge_release_requests_total", R"(kind="manifest",status="200")"), 1);
}

TEST_F(ReleaseTest, APackageOfSeveralMiBIsDownloadedByteExactAsAPrivateFile) {
  start();
  auto r = download(agent(branch1_), transfer(wire::kMaxPackageBytes));
  ASSERT_TRUE(r.value.has_value()) << r.value.error().message();
  EXPECT_EQ(r.value->path, downloads_ / kPackage);
  EXPECT_EQ(r.value->size, package_.size());
  EXPECT_EQ(sha256(read_file(r.value->path)), sha256(package_));
  struct stat st{};
  ASSERT_EQ(::stat(r.value->path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  // Only the package: the partial file was renamed into place.
  EXPECT_EQ(std::distance(fs::directory_iterator(downloads_), fs::directory_iterator()), 1);
  EXPECT_TRUE(wait_until([&] {
    return metric("edge_release_bytes_total") == static_cast<std::int64_t>(package_.size());
  }));
}

TEST_F(ReleaseTest, AStalePartialFileOrALinkInItsPlaceIsReplacedNotFollowed) {
  const fs::path outside = pki_->dir() / "outside";
  write_file(outside, "must stay");
  fs::create_symlink(outside, downloads_ / (std::string(".") + kPackage + ".partial"));
  start();
  auto r = download(agent(branch1_), transfer(wire::kMaxPackageBytes));
  ASSERT_TRUE(r.value.has_value()) << r.value.error().message();
  EXPECT_EQ(sha256(read_file(r.value->path)), sha256(package_));
  EXPECT_EQ(read_file(outside), "must stay");
  EXPECT_FALSE(fs::is_symlink(r.value->path));
  EXPECT_EQ(std::distance(fs::directory_iterator(downloads_), fs::directory_iterator()), 1);
}

TEST_F(ReleaseTest, AMissingFileOrChannelIsNotFoundAndLeavesNoFile) {
  start();
  keysvc::AgentClient& c = agent(branch1_);
  auto missing = download(c, transfer(wire::kMaxPackageBytes), "pqbranch-agent_9.9.9_amd64.deb");
  ASSERT_FALSE(missing.value.has_value());
  EXPECT_EQ(missing.value.error(), make_error_code(errc::release_not_found))
      << missing.value.error().message();
  EXPECT_TRUE(downloads_empty());
  auto no_channel = manifest(c, transfer(wire::kMaxManifestBytes), "beta");
  ASSERT_FALSE(no_channel.value.has_value());
  EXPECT_EQ(no_channel.value.error(), make_error_code(errc::release_not_found));
}

TEST_F(ReleaseTest, AnEdgeWithoutAReleaseDirectoryServesNone) {
  config_.releases.directory.reset();
  start();
  auto r = manifest(agent(branch1_), transfer(wire::kMaxManifestBytes));
  ASSERT_FALSE(r.value.has_value());
  EXPECT_EQ(r.value.error(), make_error_code(errc::release_not_found));
}

TEST_F(ReleaseTest, BadNamesAreRefused400BeforeTheFileSystemIsTouched) {
  // A file that "../" would reach if a name were ever resolved: it must never be served.
  write_file(releases_ / "outside_1.0_amd64.deb", "LEAKED");
  write_file(releases_ / "manifest", "LEAKED");
  start();
  const std::string long_file = std::string(wire::kMaxPackageNameBytes, 'a') + ".deb";
  for (const std::string& target : std::vector<std::string>{
           "/v1/releases/stable/../outside_1.0_amd64.deb",
           "/v1/releases/stable/%2e%2e/outside_1.0_amd64.deb",
           "/v1/releases/stable/%2e%2e%2foutside_1.0_amd64.deb",
           "/v1/releases/../manifest",
           "/v1/releases/stable/sub/" + std::string(kPackage),
           "/v1/releases/Stable/manifest",
           "/v1/releases/stable/PQBRANCH-AGENT_0.2.0_AMD64.DEB",
           "/v1/releases/stable/" + long_file,
       }) {
    const HttpResponse r = raw_request(branch1_, "GET", target);
    EXPECT_EQ(r.status, 400U) << target << ": " << r.body;
    EXPECT_EQ(error_code(r), "bad_request") << target;
    EXPECT_EQ(r.body.find("LEAKED"), std::string::npos) << target;
  }
  EXPECT_EQ(metric("edge_release_requests_total", R"(kind="invalid",status="400")"), 8);
  // The client refuses such names itself, without a connection.
  auto local = download(agent(branch1_), transfer(wire::kMaxPackageBytes), "../outside.deb");
  ASSERT_FALSE(local.value.has_value());
  EXPECT_EQ(local.value.error(), make_error_code(errc::release_bad_name));
  EXPECT_EQ(metric("edge_handshakes_total", R"(group="X25519MLKEM768",resumed="false")"), 8);
}

TEST_F(ReleaseTest, ASymbolicLinkInTheChannelIsNotFollowed) {
  const fs::path secret = pki_->dir() / "secret.deb";
  write_file(secret, "secret bytes outside the release directory");
  fs::create_symlink(secret, releases_ / kChannel / "evil_1.0_amd64.deb");
  fs::create_directories(releases_ / "real");
  write_file(releases_ / "real" / "manifest", "manifest via a linked channel");
  fs::create_directory_symlink(releases_ / "real", releases_ / "linked");
  start();
  const HttpResponse file = raw_request(branch1_, "GET", "/v1/releases/stable/evil_1.0_amd64.deb");
  EXPECT_EQ(file.status, 404U) << file.body;
  EXPECT_EQ(file.body.find("secret"), std::string::npos);
  const HttpResponse channel = raw_request(branch1_, "GET", "/v1/releases/linked/manifest");
  EXPECT_EQ(channel.status, 404U) << channel.body;
  EXPECT_EQ(channel.body.find("manifest via"), std::string::npos);
}

TEST_F(ReleaseTest, AnUnauthenticatedClientGetsNothing) {
  start();
  // No client certificate: no TLS session, so no request at all.
  {
    const auto ctx = client_context(nullptr);
    auto c = connect(ctx);
    if (c.has_value()) {
      auto r = c->request("GET", "/v1/releases/stable/manifest");
      EXPECT_TRUE(!r.has_value() || r->status != 200U);
      if (r) {
        EXPECT_EQ(r->body.find(manifest_.substr(0, 32)), std::string::npos);
      }
    }
  }
  // A certificate from the right CA that names no site: 403 and the connection closed.
  auto intruder = pki_->issue("intruder", CertRole::client).value();
  for (const char* target : {"/v1/releases/stable/manifest", "/v1/releases/stable/report",
                             "/v1/releases/stable/../x.deb"}) {
    const HttpResponse r = raw_request(intruder, "GET", target);
    EXPECT_EQ(r.status, 403U) << target;
    EXPECT_EQ(error_code(r), "unknown_site");
    EXPECT_FALSE(r.keep_alive);
  }
  auto through_client = manifest(agent(intruder), transfer(wire::kMaxManifestBytes));
  ASSERT_FALSE(through_client.value.has_value());
  EXPECT_EQ(through_client.value.error(), make_error_code(errc::release_refused));
  EXPECT_EQ(metric("edge_release_bytes_total"), 0);
}

TEST_F(ReleaseTest, AReportIsAcceptedLoggedAndCountedAndAMalformedOneIsRefused) {
  LogCapture log;
  start();
  auto r = report(agent(branch1_), wire::ReleaseReport{"0.2.0", wire::ReleaseResult::rolled_back});
  ASSERT_TRUE(r.value.has_value()) << r.value.error().message();
  EXPECT_EQ(metric("edge_release_reports_total", R"(result="rolled-back")"), 1);
  EXPECT_TRUE(
      log.contains("release report from site 'branch-1': channel stable, version 0.2.0, "
                   "rolled-back"));
  for (const std::string& body :
       {std::string(R"({"version":"0.2.0","result":"exploded"})"),
        std::string(R"({"version":"0.2.0"})"), std::string("not json"),
        std::string(R"({"version":"0.2.0\u001b[2J","result":"failed"})"),
        std::string(R"({"version":"0.2.0","result":"failed","extra":1})")}) {
    const HttpResponse bad = raw_request(branch1_, "POST", "/v1/releases/stable/report", body);
    EXPECT_EQ(bad.status, 400U) << body;
  }
  EXPECT_EQ(metric("edge_release_reports_total", R"(result="failed")"), 0);
  EXPECT_FALSE(log.contains("\x1b"));
  const HttpResponse get = raw_request(branch1_, "GET", "/v1/releases/stable/report");
  EXPECT_EQ(get.status, 405U);
}

TEST_F(ReleaseTest, APackageOverTheCallersBoundIsRefusedFromItsLengthAndLeavesNoFile) {
  start();
  auto r = download(agent(branch1_), transfer(package_.size() - 1));
  ASSERT_FALSE(r.value.has_value());
  EXPECT_EQ(r.value.error(), make_error_code(errc::release_too_large)) << r.value.error().message();
  EXPECT_TRUE(downloads_empty());
}

TEST_F(ReleaseTest, AnOversizedBodyWithoutALengthIsCutAtTheBoundAndLeavesNoFile) {
  auto server = hostile(Misbehaviour::chunked_too_much, std::uint64_t{64} * 1024 * 1024);
  const std::uint64_t bound = std::uint64_t{1} * 1024 * 1024;
  auto r = download(agent(branch1_, server->port()), transfer(bound));
  ASSERT_FALSE(r.value.has_value());
  EXPECT_EQ(r.value.error(), make_error_code(errc::release_too_large)) << r.value.error().message();
  EXPECT_TRUE(downloads_empty());
  // The client stopped reading near the bound, far from the 64 MiB the server had.
  server->stop();
  EXPECT_TRUE(server->client_closed_first());
  EXPECT_LT(server->body_bytes_sent(), std::uint64_t{16} * 1024 * 1024);
}

TEST_F(ReleaseTest, AnAnnouncedOversizedBodyIsRefusedBeforeReadingIt) {
  auto server = hostile(Misbehaviour::announce_too_much, wire::kMaxPackageBytes);
  auto r = manifest(agent(branch1_, server->port()), transfer(wire::kMaxManifestBytes));
  ASSERT_FALSE(r.value.has_value());
  EXPECT_EQ(r.value.error(), make_error_code(errc::release_too_large)) << r.value.error().message();
}

TEST_F(ReleaseTest, ATruncatedDownloadFailsAndLeavesNoFile) {
  auto server = hostile(Misbehaviour::truncate, std::uint64_t{2} * 1024 * 1024);
  auto r = download(agent(branch1_, server->port()), transfer(wire::kMaxPackageBytes));
  ASSERT_FALSE(r.value.has_value());
  EXPECT_EQ(r.value.error(), make_error_code(errc::release_truncated)) << r.value.error().message();
  EXPECT_TRUE(downloads_empty());
}

TEST_F(ReleaseTest, AStalledBodyHitsTheIdleDeadlineAndLeavesNoFile) {
  auto server = hostile(Misbehaviour::stall, std::uint64_t{1} * 1024 * 1024);
  keysvc::ReleaseTransfer t = transfer(wire::kMaxPackageBytes);
  t.idle_timeout = milliseconds(300);
  const auto begin = std::chrono::steady_clock::now();
  auto r = download(agent(branch1_, server->port()), t);
  const auto took = std::chrono::steady_clock::now() - begin;
  ASSERT_FALSE(r.value.has_value());
  EXPECT_EQ(r.value.error(), make_error_code(errc::release_timeout)) << r.value.error().message();
  EXPECT_LT(took, seconds(4));
  EXPECT_TRUE(downloads_empty());
  server->stop();
  EXPECT_TRUE(server->client_closed_first());  // the client gave up; the server never ended
}

TEST_F(ReleaseTest, AServerThatNeverAnswersHitsTheOverallDeadline) {
  auto server = hostile(Misbehaviour::slow_headers, 0);
  keysvc::ReleaseTransfer t = transfer(wire::kMaxManifestBytes);
  t.idle_timeout = seconds(20);
  t.deadline = milliseconds(700);
  const auto begin = std::chrono::steady_clock::now();
  auto r = manifest(agent(branch1_, server->port()), t);
  const auto took = std::chrono::steady_clock::now() - begin;
  ASSERT_FALSE(r.value.has_value());
  EXPECT_EQ(r.value.error(), make_error_code(errc::release_timeout)) << r.value.error().message();
  EXPECT_NE(r.value.error().detail.find("deadline"), std::string::npos);
  EXPECT_LT(took, seconds(4));
}

TEST_F(ReleaseTest, BusyCarriesTheEdgesRetryAfter) {
  auto server = hostile(Misbehaviour::busy, 0);
  auto r = manifest(agent(branch1_, server->port()), transfer(wire::kMaxManifestBytes));
  ASSERT_FALSE(r.value.has_value());
  EXPECT_EQ(r.value.error(), make_error_code(errc::release_busy));
  EXPECT_EQ(r.retry_after, seconds(7));
}

// A package large enough that loopback's socket buffers cannot hold it: a site that does not
// read keeps the edge's write pending.
class BigReleaseTest : public ReleaseTest {
 protected:
  void SetUp() override {
    ReleaseTest::SetUp();
    big_ = pseudo_random(std::size_t{48} * 1024 * 1024, 5);
    write_file(releases_ / kChannel / kBig, big_);
  }
  // branch-1 asks for the big package and reads only the answer's first bytes.
  KeyServiceClient stalled_download() {
    const auto ctx = client_context(&branch1_);
    auto c = connect(ctx);
    EXPECT_TRUE(c.has_value());
    EXPECT_TRUE(
        c->send(fmt::format("GET /v1/releases/stable/{} HTTP/1.1\r\nHost: edge\r\n\r\n", kBig))
            .has_value());
    return std::move(*c);
  }
  static constexpr const char* kBig = "pqbranch-agent_0.3.0_amd64.deb";
  std::string big_;
};

TEST_F(BigReleaseTest, ASlowDownloadByOneSiteDoesNotHoldUpAnotherSitesRotation) {
  start();
  KeyServiceClient slow = stalled_download();
  ASSERT_TRUE(wait_until([&] { return metric("edge_release_bytes_total") > 0; }));

  const auto ctx = client_context(&branch2_);
  auto c = connect(ctx);
  ASSERT_TRUE(c.has_value()) << c.error().message();
  const wire::Capabilities caps{.esn = true, .natt = false, .route = false, .policy = true};
  auto offer_response = c->request(
      "POST", wire::kGenerationPath,
      keysvc::encode_request(rotation::GenerationRequest{0, 0x2000, std::nullopt}, "0.1.0", caps));
  ASSERT_TRUE(offer_response.has_value()) << offer_response.error().message();
  ASSERT_EQ(offer_response->status, 200U) << offer_response->body;
  auto offer = keysvc::decode_offer(offer_response->body);
  ASSERT_TRUE(offer.has_value());
  auto ack = c->request("POST", wire::kGenerationAckPath,
                        keysvc::encode_ack(rotation::GenerationAck{
                            offer->generation, offer->agent_spi, offer->edge_spi}));
  ASSERT_TRUE(ack.has_value()) << ack.error().message();
  EXPECT_EQ(ack->status, 200U) << ack->body;
  // The rotation completed while the download was still being sent.
  EXPECT_LT(metric("edge_release_bytes_total"), static_cast<std::int64_t>(big_.size()));
  EXPECT_EQ(metric("edge_timeouts_total", R"(stage="release_write")"), 0);
}

TEST_F(BigReleaseTest, DownloadsOverTheLimitGetBusyWithRetryAfter) {
  config_.releases.max_downloads = 1;
  start();
  KeyServiceClient slow = stalled_download();
  ASSERT_TRUE(wait_until([&] { return metric("edge_release_bytes_total") > 0; }));
  auto r = manifest(agent(branch2_), transfer(wire::kMaxManifestBytes));
  ASSERT_FALSE(r.value.has_value());
  EXPECT_EQ(r.value.error(), make_error_code(errc::release_busy)) << r.value.error().message();
  EXPECT_EQ(r.retry_after, keysvc::kReleaseBusyRetryAfter);
}

TEST_F(BigReleaseTest, AReaderThatStopsIsCutAfterTheWriteTimeout) {
  start([](keysvc::EdgeServerOptions& o) { o.io_timeout = milliseconds(500); });
  KeyServiceClient slow = stalled_download();
  EXPECT_TRUE(
      wait_until([&] { return metric("edge_timeouts_total", R"(stage="release_write")") == 1; }));
  EXPECT_TRUE(wait_until_no_connections());
}

}  // namespace
}  // namespace pqbranch::test
