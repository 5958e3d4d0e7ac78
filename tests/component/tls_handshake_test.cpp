// Loopback TLS between the crypto module's server and client contexts: the hybrid group is
// negotiated and asserted by name, every refusal is classified, logged and counted, and the
// exporter gives both ends the same keys. Label: component.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "pqbranch/crypto/error.hpp"

#include "fakes/log_capture.hpp"
#include "fakes/test_paths.hpp"
#include "fakes/test_pki.hpp"
#include "tls_loopback.hpp"

namespace pqbranch::test {
namespace {

using crypto::RefusalReason;

const std::string kRefused = "tls_handshake_refused_total";
std::string reason_label(RefusalReason r) {
  return "reason=\"" + std::string(crypto::to_string(r)) + "\"";
}

std::vector<std::uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}

class TlsLoopback : public ::testing::Test {
 protected:
  explicit TlsLoopback(PkiAlgorithm alg = PkiAlgorithm::ml_dsa_65)
      : pki_(TestPki::create(alg).value()),
        edge_(pki_.issue("edge.example", CertRole::server).value()),
        site_(pki_.issue("site-1", CertRole::client).value()) {}

  [[nodiscard]] crypto::TlsOptions server_options() const { return pki_.tls_options(edge_); }
  [[nodiscard]] crypto::TlsOptions client_options() const {
    auto o = pki_.tls_options(site_);
    o.peer_name = "edge.example";
    return o;
  }
  crypto::SslCtx server_ctx(const crypto::TlsOptions& o) {
    auto ctx = crypto::make_server_context(o);
    EXPECT_TRUE(ctx) << ctx.error().message();
    return ctx ? std::move(*ctx) : nullptr;
  }
  crypto::SslCtx client_ctx(const crypto::TlsOptions& o) {
    auto ctx = crypto::make_client_context(o);
    EXPECT_TRUE(ctx) << ctx.error().message();
    return ctx ? std::move(*ctx) : nullptr;
  }
  TlsEnd server_end(const crypto::SslCtx& ctx, const crypto::TlsOptions& o) {
    return {ctx.get(), o.group_policy, &server_metrics_, {}, {}};
  }
  TlsEnd client_end(const crypto::SslCtx& ctx, const crypto::TlsOptions& o) {
    return {ctx.get(), o.group_policy, &client_metrics_, {}, {}};
  }

  // The server refused for `reason`: classified, logged with the peer, counted once.
  void expect_server_refused(const LoopbackOutcome& out, RefusalReason reason) {
    EXPECT_FALSE(out.server.handshake_ok);
    ASSERT_TRUE(out.server.refusal.has_value());
    EXPECT_EQ(out.server.refusal->reason, reason) << out.server.refusal->text;
    EXPECT_EQ(out.server.first_error_reason, reason);
    EXPECT_EQ(server_metrics_.value(kRefused, reason_label(reason)), 1);
    EXPECT_TRUE(log_.contains("refused handshake from 127.0.0.1:"));
    EXPECT_TRUE(log_.contains(std::string(crypto::to_string(reason))));
    EXPECT_FALSE(out.client.data_ok);
    EXPECT_EQ(out.client.first_error_text, out.client.failure);
  }

  LogCapture log_;
  TestPki pki_;
  IssuedCert edge_;
  IssuedCert site_;
  core::Metrics server_metrics_;
  core::Metrics client_metrics_;
};

// (a) Both chain types negotiate X25519MLKEM768, asserted by name on both ends.
class TlsChains : public TlsLoopback, public ::testing::WithParamInterface<PkiAlgorithm> {
 protected:
  TlsChains() : TlsLoopback(GetParam()) {}
};

TEST_P(TlsChains, NegotiateX25519MlKem768AndTheChainsSignatureAlgorithm) {
  const std::string sigalg =
      GetParam() == PkiAlgorithm::ml_dsa_65 ? "mldsa65" : "ecdsa_secp256r1_sha256";
  const auto so = server_options();
  const auto co = client_options();
  const auto sctx = server_ctx(so);
  const auto cctx = client_ctx(co);
  const auto out = run_tls_loopback(server_end(sctx, so), client_end(cctx, co));

  ASSERT_TRUE(out.server.info.has_value()) << (out.server.refusal ? out.server.refusal->text : "");
  ASSERT_TRUE(out.client.info.has_value()) << out.client.failure;
  for (const auto* info : {&*out.server.info, &*out.client.info}) {
    EXPECT_EQ(info->group, "X25519MLKEM768");
    EXPECT_TRUE(info->post_quantum);
    EXPECT_EQ(info->version, "TLSv1.3");
    EXPECT_EQ(info->cipher, "TLS_AES_256_GCM_SHA384");
    EXPECT_EQ(info->peer_signature, sigalg);
    EXPECT_FALSE(info->resumed);
  }
  EXPECT_EQ(out.server.info->peer_common_name, "site-1");
  EXPECT_EQ(out.client.info->peer_common_name, "edge.example");
  EXPECT_TRUE(out.server.data_ok);
  EXPECT_TRUE(out.client.data_ok);
  EXPECT_EQ(server_metrics_.render(), "");  // nothing refused, nothing classical
  EXPECT_EQ(client_metrics_.render(), "");
}

INSTANTIATE_TEST_SUITE_P(Pki, TlsChains,
                         ::testing::Values(PkiAlgorithm::ml_dsa_65, PkiAlgorithm::ecdsa_p256),
                         [](const auto& param_info) {
                           return param_info.param == PkiAlgorithm::ml_dsa_65 ? "MlDsa65"
                                                                              : "EcdsaP256";
                         });

// Each hybrid group works end to end and is reported by its name.
class TlsHybridGroups : public TlsLoopback, public ::testing::WithParamInterface<std::string> {};

TEST_P(TlsHybridGroups, ServerAcceptingAllNegotiatesTheClientsChoice) {
  auto so = server_options();
  so.group_policy = {{"X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024"}, false};
  auto co = client_options();
  co.group_policy = {{GetParam()}, false};
  const auto sctx = server_ctx(so);
  const auto cctx = client_ctx(co);
  const auto out = run_tls_loopback(server_end(sctx, so), client_end(cctx, co));
  ASSERT_TRUE(out.client.info.has_value()) << out.client.failure;
  ASSERT_TRUE(out.server.info.has_value());
  EXPECT_EQ(out.client.info->group, GetParam());
  EXPECT_EQ(out.server.info->group, GetParam());
  EXPECT_TRUE(out.server.info->post_quantum);
  EXPECT_TRUE(out.client.data_ok);
}

INSTANTIATE_TEST_SUITE_P(Groups, TlsHybridGroups,
                         ::testing::Values("X25519MLKEM768", "SecP256r1MLKEM768",
                                           "SecP384r1MLKEM1024"),
                         [](const auto& param_info) { return param_info.param; });

// (b) A client offering only X25519 gets alert 40; the server says why.
TEST_F(TlsLoopback, ClassicalOnlyClientIsRefusedWithAClearMessage) {
  const auto so = server_options();
  auto co = client_options();
  co.group_policy = {{"X25519"}, true};
  const auto sctx = server_ctx(so);
  const auto cctx = client_ctx(co);
  const auto out = run_tls_loopback(server_end(sctx, so), client_end(cctx, co));

  expect_server_refused(out, RefusalReason::no_common_group_or_sigalg);
  EXPECT_FALSE(out.client.handshake_ok);
  EXPECT_EQ(out.client.failure, "edge refused: no common hybrid group or signature algorithm");
}

TEST_F(TlsLoopback, ClientWithoutACommonSignatureAlgorithmIsRefused) {
  const auto so = server_options();  // ML-DSA-65 chain
  auto co = client_options();
  co.signature_algorithms = {"ecdsa_secp256r1_sha256"};
  const auto sctx = server_ctx(so);
  const auto cctx = client_ctx(co);
  const auto out = run_tls_loopback(server_end(sctx, so), client_end(cctx, co));

  expect_server_refused(out, RefusalReason::no_common_group_or_sigalg);
  EXPECT_EQ(out.client.failure, std::string(crypto::kEdgeRefusedHandshake));
}

// (c) mTLS: no client certificate, or one from another CA.
TEST_F(TlsLoopback, ClientWithoutCertificateIsRefused) {
  const auto so = server_options();
  auto co = client_options();
  co.certificate_file.clear();
  co.private_key_file.clear();
  const auto sctx = server_ctx(so);
  const auto cctx = client_ctx(co);
  const auto out = run_tls_loopback(server_end(sctx, so), client_end(cctx, co));

  expect_server_refused(out, RefusalReason::no_client_certificate);
  EXPECT_EQ(out.client.failure, "edge refused: it requires a client certificate and none was sent");
}

TEST_F(TlsLoopback, ClientCertificateFromAnotherCaIsRefused) {
  auto other = TestPki::create(PkiAlgorithm::ml_dsa_65, "someone else's CA").value();
  const auto stranger = other.issue("site-1", CertRole::client).value();
  const auto so = server_options();
  auto co = client_options();
  co.certificate_file = stranger.certificate;
  co.private_key_file = stranger.private_key;
  const auto sctx = server_ctx(so);
  const auto cctx = client_ctx(co);
  const auto out = run_tls_loopback(server_end(sctx, so), client_end(cctx, co));

  expect_server_refused(out, RefusalReason::bad_certificate);
  EXPECT_NE(out.server.refusal->text.find("client certificate rejected"), std::string::npos);
  EXPECT_EQ(out.client.failure.rfind("edge rejected our certificate: ", 0), 0U)
      << out.client.failure;
}

TEST_F(TlsLoopback, ServerCertificateForAnotherNameIsRejectedByTheClient) {
  const auto so = server_options();
  auto co = client_options();
  co.peer_name = "other.example";
  const auto sctx = server_ctx(so);
  const auto cctx = client_ctx(co);
  const auto out = run_tls_loopback(server_end(sctx, so), client_end(cctx, co));

  EXPECT_FALSE(out.client.handshake_ok);
  EXPECT_EQ(out.client.failure,
            "edge certificate rejected: it does not carry the expected edge name (hostname "
            "mismatch)");
  expect_server_refused(out, RefusalReason::bad_certificate);
}

TEST_F(TlsLoopback, PerConnectionServerNameOverridesTheContext) {
  const auto so = server_options();
  auto co = client_options();
  co.peer_name.clear();
  const auto sctx = server_ctx(so);
  const auto cctx = client_ctx(co);
  auto client = client_end(cctx, co);
  client.server_name = "wrong.example";
  auto out = run_tls_loopback(server_end(sctx, so), client);
  EXPECT_EQ(out.client.failure,
            "edge certificate rejected: it does not carry the expected edge name (hostname "
            "mismatch)");
  client.server_name = "edge.example";
  out = run_tls_loopback(server_end(sctx, so), client);
  EXPECT_TRUE(out.client.data_ok) << out.client.failure;
}

TEST_F(TlsLoopback, Tls12ClientIsRefusedAsWrongVersion) {
  const auto so = server_options();
  const auto sctx = server_ctx(so);
  // Raw OpenSSL: our own contexts cannot be made to speak TLS 1.2.
  const crypto::SslCtx old(SSL_CTX_new(TLS_client_method()));
  ASSERT_TRUE(old);
  SSL_CTX_set_max_proto_version(old.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(old.get(), SSL_VERIFY_NONE, nullptr);
  const TlsEnd client{old.get(), {}, &client_metrics_, {}, {}};
  const auto out = run_tls_loopback(server_end(sctx, so), client);

  expect_server_refused(out, RefusalReason::wrong_version);
  EXPECT_EQ(out.client.failure, "edge refused: no common TLS version (TLS 1.3 only)");
}

// (d) The exporter: same bytes on both ends, different bytes for different contexts,
// labels and connections; none of it in the log.
TEST_F(TlsLoopback, ExporterAgreesAcrossEndsAndSeparatesGenerations) {
  const auto so = server_options();
  const auto co = client_options();
  const auto sctx = server_ctx(so);
  const auto cctx = client_ctx(co);
  const std::vector<ExportRequest> requests{
      {"EXPORTER-pqbranch-esp", bytes_of("site-1/generation=1/out"), 36},
      {"EXPORTER-pqbranch-esp", bytes_of("site-1/generation=2/out"), 36},
      {"EXPORTER-pqbranch-other", bytes_of("site-1/generation=1/out"), 36},
  };
  auto server = server_end(sctx, so);
  auto client = client_end(cctx, co);
  server.exports = requests;
  client.exports = requests;
  const auto first = run_tls_loopback(server, client);
  const auto second = run_tls_loopback(server, client);

  for (const auto* out : {&first, &second}) {
    ASSERT_EQ(out->server.exported.size(), requests.size());
    ASSERT_EQ(out->client.exported.size(), requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      EXPECT_EQ(out->server.exported[i].size(), 36U);
      EXPECT_TRUE(out->server.exported[i].equals(out->client.exported[i].span())) << i;
    }
    EXPECT_FALSE(out->server.exported[0].equals(out->server.exported[1].span()));
    EXPECT_FALSE(out->server.exported[0].equals(out->server.exported[2].span()));
  }
  // A new connection (a fresh hybrid key exchange) gives new keys for the same context.
  EXPECT_FALSE(first.server.exported[0].equals(second.server.exported[0].span()));

  // Formatting a key logs a redaction; no exported key appears in the log in any form.
  spdlog::info("generation 1 key {}", first.client.exported[0]);
  EXPECT_TRUE(log_.contains("[redacted 36 bytes]"));
  for (const auto* out : {&first, &second}) {
    for (const auto& key : out->server.exported)
      EXPECT_FALSE(log_.contains_key_bytes(key.span()));
  }
}

// (e) allow_classical: connects, but flagged, warned about and counted on both ends.
TEST_F(TlsLoopback, AllowClassicalConnectsButIsFlaggedNotPostQuantum) {
  auto so = server_options();
  so.group_policy = {{"X25519MLKEM768", "X25519"}, true};
  auto co = client_options();
  co.group_policy = {{"X25519"}, true};
  const auto sctx = server_ctx(so);
  const auto cctx = client_ctx(co);
  auto server = server_end(sctx, so);
  auto client = client_end(cctx, co);
  server.exports = {{"EXPORTER-pqbranch-esp", bytes_of("g1"), 36}};
  client.exports = server.exports;
  const auto out = run_tls_loopback(server, client);

  ASSERT_TRUE(out.server.info.has_value())
      << (out.server.refusal ? out.server.refusal->text
                             : out.server.policy_error.value_or(core::Error{}).message())
      << " / client: " << out.client.failure;
  ASSERT_TRUE(out.client.info.has_value()) << out.client.failure;
  EXPECT_EQ(out.server.info->group, "X25519");
  EXPECT_EQ(out.client.info->group, "X25519");
  EXPECT_FALSE(out.server.info->post_quantum);
  EXPECT_FALSE(out.client.info->post_quantum);
  EXPECT_TRUE(out.client.data_ok);
  EXPECT_EQ(server_metrics_.value("tls_classical_connections_total"), 1);
  EXPECT_EQ(client_metrics_.value("tls_classical_connections_total"), 1);
  EXPECT_TRUE(log_.contains("NOT post-quantum"));
  ASSERT_EQ(out.server.exported.size(), 1U);
  EXPECT_FALSE(log_.contains_key_bytes(out.server.exported[0].span()));
}

// Belt and braces: a group the context allowed but the policy does not is refused after
// the handshake.
TEST_F(TlsLoopback, PolicyRefusesAGroupOutsideItsList) {
  auto so = server_options();
  so.group_policy = {{"X25519MLKEM768", "SecP256r1MLKEM768"}, false};
  const auto co = client_options();
  const auto sctx = server_ctx(so);
  const auto cctx = client_ctx(co);
  auto server = server_end(sctx, so);
  server.policy = {{"SecP256r1MLKEM768"}, false};
  const auto out = run_tls_loopback(server, client_end(cctx, co));

  EXPECT_TRUE(out.server.handshake_ok);
  ASSERT_TRUE(out.server.policy_error.has_value());
  EXPECT_EQ(*out.server.policy_error, crypto::errc::group_not_allowed);
  EXPECT_NE(out.server.policy_error->detail.find("X25519MLKEM768"), std::string::npos);
  EXPECT_EQ(server_metrics_.value("tls_policy_refused_total"), 1);
  EXPECT_FALSE(out.client.data_ok);
}

// Resumption runs psk_dhe_ke: the resumed handshake still has a hybrid key exchange.
TEST_F(TlsLoopback, ResumptionStillRunsTheHybridKeyExchange) {
  const auto so = server_options();
  const auto co = client_options();
  const auto sctx = server_ctx(so);
  const auto cctx = client_ctx(co);
  auto server = server_end(sctx, so);
  auto client = client_end(cctx, co);
  server.exports = {{"EXPORTER-pqbranch-esp", bytes_of("g"), 32}};
  client.exports = server.exports;
  const auto full = run_tls_loopback(server, client);
  ASSERT_TRUE(full.session);
  ASSERT_EQ(SSL_SESSION_is_resumable(full.session.get()), 1);
  EXPECT_EQ(SSL_SESSION_get_max_early_data(full.session.get()), 0U);  // no 0-RTT offered

  const auto resumed = run_tls_loopback(server, client, full.session.get());
  ASSERT_TRUE(resumed.client.info.has_value()) << resumed.client.failure;
  ASSERT_TRUE(resumed.server.info.has_value());
  EXPECT_TRUE(resumed.client.info->resumed);
  EXPECT_TRUE(resumed.server.info->resumed);
  // psk_ke would negotiate no group at all.
  EXPECT_EQ(resumed.client.info->group, "X25519MLKEM768");
  EXPECT_EQ(resumed.server.info->group, "X25519MLKEM768");
  EXPECT_EQ(resumed.server.info->peer_common_name, "site-1");  // from the session
  ASSERT_EQ(resumed.client.exported.size(), 1U);
  EXPECT_TRUE(resumed.client.exported[0].equals(resumed.server.exported[0].span()));
  EXPECT_FALSE(resumed.client.exported[0].equals(full.client.exported[0].span()));
}

// One full handshake must not be stretched indefinitely by resumption: the server's clock
// is moved instead of waited for (ResumptionPolicy::clock; defaults 24 h and 6 h).
class TlsResumptionPolicy : public TlsLoopback {
 protected:
  TlsResumptionPolicy() {
    so_.resumption.clock = [this] { return now_; };
    so_.resumption.on_refused = [this](crypto::ResumptionRefusal why) { refusals_.push_back(why); };
    sctx_ = server_ctx(so_);
    cctx_ = client_ctx(co_);
  }
  LoopbackOutcome connect(SSL_SESSION* resume = nullptr) {
    return run_tls_loopback(server_end(sctx_, so_), client_end(cctx_, co_), resume);
  }
  // A full handshake: the server verified the client's certificate (CertificateVerify).
  static void expect_full(const LoopbackOutcome& out) {
    ASSERT_TRUE(out.server.info.has_value());
    EXPECT_FALSE(out.server.info->resumed);
    EXPECT_FALSE(out.client.info->resumed);
    EXPECT_EQ(out.server.info->peer_signature, "mldsa65");
    EXPECT_TRUE(out.client.data_ok);
  }
  static void expect_resumed(const LoopbackOutcome& out) {
    ASSERT_TRUE(out.server.info.has_value());
    EXPECT_TRUE(out.server.info->resumed);
    EXPECT_TRUE(out.client.info->resumed);
    EXPECT_TRUE(out.client.data_ok);
  }
  void advance(std::chrono::seconds d) { now_ += d; }

  std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
  std::vector<crypto::ResumptionRefusal> refusals_;
  crypto::TlsOptions so_ = server_options();
  crypto::TlsOptions co_ = client_options();
  crypto::SslCtx sctx_;
  crypto::SslCtx cctx_;
};

using std::chrono::hours;
using std::chrono::minutes;

TEST_F(TlsResumptionPolicy, ResumesWithinTheMaximumAge) {
  const auto full = connect();
  expect_full(full);
  advance(hours(5));
  expect_resumed(connect(full.session.get()));
  EXPECT_TRUE(refusals_.empty());
}

// The hole this closes: each resumption used to date its new ticket afresh.
TEST_F(TlsResumptionPolicy, ResumedTicketsKeepTheOriginalAuthenticationTimeAndExpireWithIt) {
  const auto full = connect();
  expect_full(full);
  advance(hours(20));
  const auto resumed = connect(full.session.get());
  expect_resumed(resumed);
  ASSERT_TRUE(resumed.session);
  advance(hours(5));  // 25 h after the full handshake, 5 h after the resumption
  const auto again = connect(resumed.session.get());
  expect_full(again);
  EXPECT_EQ(refusals_, std::vector{crypto::ResumptionRefusal::too_old});
  // The full handshake starts a new period.
  advance(hours(1));
  expect_resumed(connect(again.session.get()));
}

TEST_F(TlsResumptionPolicy, TicketUnderThePreviousKeyStillResumes) {
  const auto first = connect();  // sealed under key 1
  advance(hours(7));
  expect_full(connect());  // rotates: sealed under key 2
  advance(hours(1));
  expect_resumed(connect(first.session.get()));
  EXPECT_TRUE(refusals_.empty());
}

TEST_F(TlsResumptionPolicy, TicketUnderARetiredKeyGivesAFullHandshake) {
  expect_full(connect());  // key 1, created now
  advance(hours(5) + minutes(59));
  // A second full handshake, still under key 1: its own authentication is only 1 min old.
  const auto late = connect();
  expect_full(late);
  advance(hours(18) + minutes(1));  // key 1 is 24 h old: retired and wiped
  expect_full(connect(late.session.get()));
  EXPECT_EQ(refusals_, std::vector{crypto::ResumptionRefusal::unknown_key});
}

TEST_F(TlsResumptionPolicy, SiteCertificateThatExpiredSinceCannotResume) {
  // The test certificate is valid for 30 days; a longer max age isolates the expiry check.
  so_.resumption.max_age = hours(24 * 60);
  sctx_ = server_ctx(so_);
  const auto full = connect();
  expect_full(full);
  advance(hours(24 * 31));
  expect_full(connect(full.session.get()));
  EXPECT_EQ(refusals_, std::vector{crypto::ResumptionRefusal::certificate_expired});
}

TEST_F(TlsResumptionPolicy, RotationLongerThanTheMaximumAgeIsRefused) {
  so_.resumption.ticket_key_rotation = hours(25);
  EXPECT_FALSE(crypto::make_server_context(so_));
}

// scripts/test-pki.sh issues chains our contexts accept, for both algorithms, and each
// certificate only for its role.
class TestPkiScript : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string cmd = (source_dir() / "scripts/test-pki.sh").string() + " " + dir_.string() +
                            " " + GetParam() +
                            " edge:edge.example,127.0.0.1 site:site-9 >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  // TLS options presenting NAME's certificate.
  [[nodiscard]] crypto::TlsOptions as(const std::string& name) const {
    crypto::TlsOptions o;
    o.ca_file = dir_ / "ca.pem";
    o.certificate_file = dir_ / (name + ".pem");
    o.private_key_file = dir_ / (name + ".key");
    return o;
  }
  // A handshake with `server` serving and `client` connecting.
  static LoopbackOutcome connect(const crypto::TlsOptions& so, const crypto::TlsOptions& co) {
    auto sctx = crypto::make_server_context(so);
    auto cctx = crypto::make_client_context(co);
    EXPECT_TRUE(sctx) << sctx.error().message();
    EXPECT_TRUE(cctx) << cctx.error().message();
    if (!sctx || !cctx) return {};
    core::Metrics metrics;
    return run_tls_loopback({sctx->get(), so.group_policy, &metrics, {}, {}},
                            {cctx->get(), co.group_policy, &metrics, {}, {}});
  }

  TestPki scratch_ = TestPki::create(PkiAlgorithm::ecdsa_p256).value();  // for its temp dir
  std::filesystem::path dir_ = scratch_.dir() / "script";
};

TEST_P(TestPkiScript, IssuesChainsThatNegotiateTheHybridGroup) {
  crypto::TlsOptions co = as("site-9");
  co.peer_name = "edge.example";
  const auto out = connect(as("edge.example"), co);
  ASSERT_TRUE(out.client.info.has_value()) << out.client.failure;
  EXPECT_EQ(out.client.info->group, "X25519MLKEM768");
  EXPECT_EQ(out.server.info->peer_common_name, "site-9");
  EXPECT_EQ(out.client.info->peer_signature,
            GetParam() == "mldsa65" ? "mldsa65" : "ecdsa_secp256r1_sha256");
}

TEST_P(TestPkiScript, TheEdgesCertificateCarriesItsAddressAndRolesDoNotSwap) {
  crypto::TlsOptions by_address = as("site-9");
  by_address.peer_name = "127.0.0.1";
  const auto ok = connect(as("edge.example"), by_address);
  EXPECT_TRUE(ok.client.info.has_value()) << ok.client.failure;

  // A site's certificate serving: the client refuses it (no serverAuth).
  crypto::TlsOptions to_site = as("edge.example");
  to_site.peer_name = "site-9";
  const auto site_serving = connect(as("site-9"), to_site);
  EXPECT_FALSE(site_serving.client.info.has_value());
  EXPECT_NE(site_serving.client.failure.find("extendedKeyUsage does not allow serverAuth"),
            std::string::npos)
      << site_serving.client.failure;

  // The edge's certificate as a client's: the server refuses it (no clientAuth).
  crypto::TlsOptions edge_as_client = as("edge.example");
  edge_as_client.peer_name = "edge.example";
  const auto edge_client = connect(as("edge.example"), edge_as_client);
  EXPECT_FALSE(edge_client.server.handshake_ok);
  ASSERT_TRUE(edge_client.server.refusal.has_value());
  EXPECT_EQ(edge_client.server.refusal->reason, crypto::RefusalReason::bad_certificate);
  EXPECT_NE(edge_client.server.refusal->text.find("extendedKeyUsage does not allow clientAuth"),
            std::string::npos)
      << edge_client.server.refusal->text;
}

INSTANTIATE_TEST_SUITE_P(Algorithms, TestPkiScript, ::testing::Values("mldsa65", "ecdsa"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace pqbranch::test
