// The edge key service over loopback TLS with a FakeKernel: full exchanges, keys equal on
// both ends, the site taken from the certificate only, and everything a hostile or broken
// client can do without changing state.

#include <algorithm>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <span>
#include <sys/socket.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "pqbranch/crypto/tls_handshake.hpp"
#include "pqbranch/keysvc/exporter_context.hpp"
#include "pqbranch/keysvc/session_keys.hpp"
#include "pqbranch/keysvc/wire_mapping.hpp"
#include "pqbranch/wire/ack.hpp"
#include "pqbranch/wire/error_response.hpp"
#include "pqbranch/wire/nat_hello.hpp"
#include "pqbranch/wire/nat_token.hpp"

#include "edge_fixture.hpp"
#include "fakes/log_capture.hpp"

namespace pqbranch::test {
namespace {

using rotation::GenerationAck;
using rotation::GenerationKeys;
using rotation::GenerationOffer;
using rotation::GenerationRequest;

const wire::Capabilities kCaps{.esn = true, .natt = false, .route = false, .policy = true};

std::string request_body(rotation::Generation current, std::uint32_t agent_spi,
                         std::optional<std::uint16_t> nat = std::nullopt) {
  return keysvc::encode_request(GenerationRequest{current, agent_spi, nat}, "0.1.0", kCaps);
}

xfrm::SaId sa_id(const core::IpAddress& dst, std::uint32_t spi) {
  return xfrm::SaId{dst, spi, xfrm::Proto::esp, 0, 0};
}

class EdgeServerTest : public EdgeFixture {
 protected:
  // One request on `client`: the offer, and the keys the client derives for it.
  struct Exchange {
    GenerationOffer offer;
    GenerationKeys keys;
  };
  std::optional<Exchange> exchange(KeyServiceClient& client, const std::string& site,
                                   rotation::Generation current, std::uint32_t agent_spi) {
    auto r = client.request("POST", wire::kGenerationPath, request_body(current, agent_spi));
    EXPECT_TRUE(r.has_value()) << r.error().message();
    if (!r) return std::nullopt;
    EXPECT_EQ(r->status, 200U) << r->body;
    auto offer = keysvc::decode_offer(r->body);
    EXPECT_TRUE(offer.has_value()) << r->body;
    if (!offer) return std::nullopt;
    auto keys =
        keysvc::derive_generation_keys(crypto::TlsConnection(client.ssl()), site, offer->generation,
                                       offer->agent_spi, offer->edge_spi);
    EXPECT_TRUE(keys.has_value());
    if (!keys) return std::nullopt;
    return Exchange{std::move(*offer), std::move(*keys)};
  }

  HttpResponse ack(KeyServiceClient& client, const GenerationOffer& o) {
    auto r =
        client.request("POST", wire::kGenerationAckPath,
                       keysvc::encode_ack(GenerationAck{o.generation, o.agent_spi, o.edge_spi}));
    EXPECT_TRUE(r.has_value()) << r.error().message();
    return r ? *r : HttpResponse{};
  }

  // Does the kernel hold SA (dst, spi) with exactly `key`?
  bool has_key(const core::IpAddress& dst, std::uint32_t spi, const core::SecureBytes& key) {
    return on_io([&] {
      const core::SecureBytes* k = kernel_.key_of(sa_id(dst, spi));
      return k != nullptr && k->equals(key.span());
    });
  }
  bool has_sa(const core::IpAddress& dst, std::uint32_t spi) {
    return on_io([&] { return kernel_.key_of(sa_id(dst, spi)) != nullptr; });
  }
  std::vector<std::string> sas() {
    return on_io([&] { return sa_summary(); });
  }
  rotation::EdgeSiteState saved(const std::string& site) {
    const std::size_t i = site_index(site);
    return on_io([&] { return server_->executor().rotation(i).saved_state(); });
  }
};

std::string in(std::uint32_t spi) {
  return fmt::format("in:0x{:08x}", spi);
}
std::string out(std::uint32_t spi) {
  return fmt::format("out:0x{:08x}", spi);
}

TEST_F(EdgeServerTest, TwoRotationsInstallInboundThenOutboundWithTheClientsKeys) {
  LogCapture logs;
  start();
  const auto ctx = client_context(&branch1_);

  // Generation 1.
  auto c1 = connect(ctx);
  ASSERT_TRUE(c1.has_value()) << c1.error().message();
  auto g1 = exchange(*c1, "branch-1", 0, 0x1000);
  ASSERT_TRUE(g1.has_value());
  const GenerationOffer& o1 = g1->offer;
  EXPECT_EQ(o1.generation, 1U);
  EXPECT_EQ(o1.edge_generation, 0U);
  EXPECT_EQ(o1.agent_spi, 0x1000U);
  EXPECT_EQ(o1.tunnel.agent_address, kBranch1Outer);
  EXPECT_EQ(o1.tunnel.edge_address, kEdgeOuter);
  ASSERT_EQ(o1.tunnel.selectors.size(), 1U);
  EXPECT_EQ(o1.tunnel.selectors[0].src, net("10.1.0.0/16"));
  EXPECT_EQ(o1.tunnel.selectors[0].dst, net("10.9.0.0/16"));
  // The edge's inbound SA carries what the agent derives for agent -> edge; nothing is
  // sent to the agent before its acknowledgement.
  EXPECT_TRUE(has_key(kEdgeOuter, o1.edge_spi, g1->keys.agent_to_edge));
  EXPECT_FALSE(has_sa(kBranch1Outer, 0x1000));

  const HttpResponse a1 = ack(*c1, o1);
  EXPECT_EQ(a1.status, 200U) << a1.body;
  EXPECT_EQ(wire::decode_ack_response(a1.body).value(), (wire::AckResponse{1, true}));
  EXPECT_TRUE(has_key(kBranch1Outer, 0x1000, g1->keys.edge_to_agent));

  // Generation 2 on a new connection: new keys, make-before-break.
  auto c2 = connect(ctx);
  ASSERT_TRUE(c2.has_value()) << c2.error().message();
  auto g2 = exchange(*c2, "branch-1", 1, 0x1001);
  ASSERT_TRUE(g2.has_value());
  const GenerationOffer& o2 = g2->offer;
  EXPECT_EQ(o2.generation, 2U);
  EXPECT_EQ(o2.edge_generation, 1U);
  EXPECT_FALSE(g2->keys.agent_to_edge.equals(g1->keys.agent_to_edge.span()));
  EXPECT_FALSE(g2->keys.edge_to_agent.equals(g1->keys.edge_to_agent.span()));
  EXPECT_TRUE(has_key(kEdgeOuter, o2.edge_spi, g2->keys.agent_to_edge));
  EXPECT_EQ(ack(*c2, o2).status, 200U);
  EXPECT_TRUE(has_key(kBranch1Outer, 0x1001, g2->keys.edge_to_agent));
  EXPECT_FALSE(has_sa(kBranch1Outer, 0x1000));

  // Every kernel step, in order: inbound before outbound, the new outbound before the old
  // one goes, inbound 1 kept (the grace period after the proof has not passed).
  const std::vector<std::vector<std::string>> expected = {
      {},                                                            // ALLOCSPI (larval)
      {in(o1.edge_spi)},                                             // UPDSA inbound 1
      {in(o1.edge_spi), out(0x1000)},                                // ack: ADDSA outbound 1
      {in(o1.edge_spi), out(0x1000)},                                // ALLOCSPI
      {in(o1.edge_spi), out(0x1000), in(o2.edge_spi)},               // UPDSA inbound 2
      {in(o1.edge_spi), out(0x1000), in(o2.edge_spi), out(0x1001)},  // ack: ADDSA outbound 2
      {in(o1.edge_spi), in(o2.edge_spi), out(0x1001)},               // DELSA outbound 1
  };
  EXPECT_EQ(on_io([&] { return steps_; }), expected);

  // The state file: what the machine saved, mode 0600, and no key in it.
  const auto file = state_dir_ / keysvc::site_state_file_name("branch-1");
  auto loaded = keysvc::load_edge_site_state(file);
  ASSERT_TRUE(loaded.has_value() && loaded->has_value());
  EXPECT_EQ(**loaded, saved("branch-1"));
  EXPECT_EQ((*loaded)->generation, 2U);
  struct stat st{};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);

  // No key byte ever reached a log line, at any level.
  for (const GenerationKeys* k : {&g1->keys, &g2->keys}) {
    EXPECT_FALSE(logs.contains_key_bytes(k->agent_to_edge.span()));
    EXPECT_FALSE(logs.contains_key_bytes(k->edge_to_agent.span()));
  }
  EXPECT_TRUE(logs.contains("offered generation 2"));
}

TEST_F(EdgeServerTest, TheCertificateNotTheBodyChoosesTheSite) {
  start();
  const auto ctx = client_context(&branch2_);
  auto c = connect(ctx);
  ASSERT_TRUE(c.has_value()) << c.error().message();
  // branch-2 speaking as if it were branch-1 in every way the body allows.
  auto g = exchange(*c, "branch-2", 0, 0x1000);
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->offer.tunnel.agent_address, kBranch2Outer);
  EXPECT_EQ(g->offer.tunnel.selectors.at(0).src, net("10.2.0.0/16"));
  EXPECT_TRUE(has_key(kEdgeOuter, g->offer.edge_spi, g->keys.agent_to_edge));
  // Keys bound to branch-1's name would not match: the exporter context names the site.
  auto as_branch1 =
      keysvc::derive_generation_keys(crypto::TlsConnection(c->ssl()), "branch-1",
                                     g->offer.generation, g->offer.agent_spi, g->offer.edge_spi);
  ASSERT_TRUE(as_branch1.has_value());
  EXPECT_FALSE(has_key(kEdgeOuter, g->offer.edge_spi, as_branch1->agent_to_edge));
  EXPECT_EQ(ack(*c, g->offer).status, 200U);
  // The SAs are branch-2's (its reqid); branch-1 has nothing, not even an issued number.
  const auto all = on_io([&] { return kernel_.sas(); });
  ASSERT_EQ(all.size(), 2U);
  for (const auto& sa : all)
    EXPECT_EQ(sa.reqid, kBranch2Reqid);
  EXPECT_EQ(saved("branch-1").last_issued, 0U);
  EXPECT_TRUE(saved("branch-1").sas.empty());
  EXPECT_EQ(saved("branch-2").generation, 1U);
}

// Post-quantum authentication as well as key exchange: ML-DSA-65 chains on both sides, and
// the edge reports the hybrid group by name for every connection it served.
TEST_F(EdgeServerTest, MlDsaChainsOnBothSidesNegotiateX25519MlKem768) {
  pki_.emplace(TestPki::create(PkiAlgorithm::ml_dsa_65).value());
  server_cert_ = pki_->issue("edge.test", CertRole::server).value();
  branch1_ = pki_->issue("branch-1", CertRole::client).value();
  start();
  auto c = connect(client_context(&branch1_));
  ASSERT_TRUE(c.has_value()) << c.error().message();
  auto info = crypto::inspect_handshake(c->ssl());
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->group, "X25519MLKEM768");
  EXPECT_EQ(info->peer_signature, "mldsa65");
  auto g = exchange(*c, "branch-1", 0, 0x1000);
  ASSERT_TRUE(g.has_value());
  EXPECT_TRUE(has_key(kEdgeOuter, g->offer.edge_spi, g->keys.agent_to_edge));
  EXPECT_EQ(metric("edge_handshakes_total", "group=\"X25519MLKEM768\",resumed=\"false\""), 1);
}

TEST_F(EdgeServerTest, AClassicalOnlyClientIsRefused) {
  start();
  crypto::TlsOptions o = pki_->tls_options(branch1_);
  o.group_policy.groups = {"X25519"};
  o.group_policy.allow_classical = true;
  const auto ctx = crypto::make_client_context(o).value();
  auto c = connect(ctx);
  EXPECT_FALSE(c.has_value());
  ASSERT_TRUE(wait_until_no_connections());
  EXPECT_EQ(metric("tls_handshake_refused_total", "reason=\"no_common_group_or_sigalg\""), 1)
      << metrics_.render();
  EXPECT_TRUE(sas().empty());
}

TEST_F(EdgeServerTest, AnUnknownSiteGetsUnknownSiteAndNothingChanges) {
  start();
  const IssuedCert stranger = pki_->issue("branch-9", CertRole::client).value();
  auto c = connect(client_context(&stranger));
  ASSERT_TRUE(c.has_value()) << c.error().message();
  auto r = c->request("POST", wire::kGenerationPath, request_body(0, 0x1000));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->status, 403U);
  EXPECT_EQ(error_code(*r), "unknown_site");
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(sas().empty());
}

TEST_F(EdgeServerTest, ACertificateFromAnotherCaIsRefusedAtTls) {
  start();
  auto other = TestPki::create(PkiAlgorithm::ecdsa_p256, "another CA");
  ASSERT_TRUE(other.has_value());
  const IssuedCert forged = other->issue("branch-1", CertRole::client).value();
  crypto::TlsOptions o = other->tls_options(forged);
  o.ca_file = pki_->ca_file();  // it trusts our edge; we do not trust it
  const auto ctx = crypto::make_client_context(o).value();
  // In TLS 1.3 the client may finish its handshake before the server checks its
  // certificate: then the refusal shows on the first read.
  auto c = connect(ctx);
  if (c) {
    auto r = c->request("POST", wire::kGenerationPath, request_body(0, 0x1000));
    EXPECT_FALSE(r.has_value());
  }
  ASSERT_TRUE(wait_until_no_connections());
  EXPECT_NE(metrics_.render().find("tls_handshake_refused_total"), std::string::npos)
      << metrics_.render();
  EXPECT_TRUE(sas().empty());
  EXPECT_EQ(saved("branch-1").last_issued, 0U);
}

// A configured site's name on a certificate for TLS servers only (extendedKeyUsage
// serverAuth): the edge requires clientAuth and refuses it at TLS, and says why.
TEST_F(EdgeServerTest, ASiteCertificateWithoutClientAuthIsRefusedAtTls) {
  LogCapture logs;
  start();
  const IssuedCert server_only =
      pki_->issue("branch-2", CertRole::server, {}, "branch-2-server-only").value();
  const auto ctx = crypto::make_client_context(pki_->tls_options(server_only)).value();
  auto c = connect(ctx);
  if (c) {  // TLS 1.3: the refusal may show only on the first read
    auto r = c->request("POST", wire::kGenerationPath, request_body(0, 0x1000));
    EXPECT_FALSE(r.has_value());
  }
  ASSERT_TRUE(wait_until_no_connections());
  EXPECT_EQ(metric("tls_handshake_refused_total", "reason=\"bad_certificate\""), 1)
      << metrics_.render();
  EXPECT_TRUE(logs.contains("extendedKeyUsage does not allow clientAuth"));
  EXPECT_TRUE(sas().empty());
  EXPECT_EQ(saved("branch-2").last_issued, 0U);
}

TEST_F(EdgeServerTest, BadRequestsGetErrorsAndChangeNothing) {
  // All on one connection: more requests than a rotation needs.
  start([](keysvc::EdgeServerOptions& o) { o.max_requests = 32; });
  const auto ctx = client_context(&branch1_);
  auto c = connect(ctx);
  ASSERT_TRUE(c.has_value()) << c.error().message();
  struct Case {
    const char* method;
    std::string_view target;
    std::string body;
    unsigned status;
    const char* code;
  };
  const std::string valid = request_body(0, 0x1000);
  std::string unknown_field = valid;
  unknown_field.insert(unknown_field.rfind('}'), R"(,"esp_key":"00ff")");
  std::string version2 = valid;
  version2.replace(version2.find("\"version\":1"), 11, "\"version\":2");
  const std::vector<Case> cases = {
      {"POST", wire::kGenerationPath, "{", 400, "bad_request"},
      {"POST", wire::kGenerationPath, "", 400, "bad_request"},
      {"POST", wire::kGenerationPath, unknown_field, 400, "bad_request"},
      {"POST", wire::kGenerationPath, version2, 400, "unsupported_version"},
      {"POST", wire::kGenerationPath, request_body(0, 0xff), 400, "bad_request"},
      {"GET", wire::kGenerationPath, "", 405, "method_not_allowed"},
      {"POST", wire::kNatTokenPath, "", 405, "method_not_allowed"},
      {"POST", "/v1/generations", valid, 404, "not_found"},
      {"POST", wire::kGenerationAckPath, keysvc::encode_ack(GenerationAck{1, 0x1000, 0x2000}), 409,
       "generation_mismatch"},
      {"POST", wire::kGenerationAckPath, R"({"version":1,"generation":1})", 400, "bad_request"},
  };
  for (const Case& k : cases) {
    auto r = c->request(k.method, k.target, k.body);
    ASSERT_TRUE(r.has_value()) << k.target << " " << k.body << ": " << r.error().message();
    EXPECT_EQ(r->status, k.status) << k.method << " " << k.target << " " << k.body;
    EXPECT_EQ(error_code(*r), k.code) << r->body;
    EXPECT_TRUE(r->keep_alive) << "an error answer keeps the connection";
  }
  EXPECT_TRUE(sas().empty());
  EXPECT_EQ(saved("branch-1").last_issued, 0U);

  // Over the size limit: refused from Content-Length, connection closed.
  const std::string big(wire::kMaxBodyBytes + 1, ' ');
  auto r = c->request("POST", wire::kGenerationPath, big);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->status, 413U);
  EXPECT_EQ(error_code(*r), "payload_too_large");
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(c->wait_closed());

  // After all that, a proper exchange still works.
  auto fresh = connect(ctx);
  ASSERT_TRUE(fresh.has_value());
  auto g = exchange(*fresh, "branch-1", 0, 0x1000);
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->offer.generation, 1U);
}

TEST_F(EdgeServerTest, AnInstalledGenerationSurvivesMalformedTraffic) {
  start();
  const auto ctx = client_context(&branch1_);
  auto c = connect(ctx);
  ASSERT_TRUE(c.has_value());
  auto g = exchange(*c, "branch-1", 0, 0x1000);
  ASSERT_TRUE(g.has_value());
  ASSERT_EQ(ack(*c, g->offer).status, 200U);
  const auto before = sas();
  const auto state_before = saved("branch-1");
  // Garbage bodies and a wrong ack on the same and on a new connection.
  EXPECT_EQ(c->request("POST", wire::kGenerationPath, "[]")->status, 400U);
  EXPECT_EQ(c->request("POST", wire::kGenerationAckPath,
                       keysvc::encode_ack(GenerationAck{1, 0x1000, g->offer.edge_spi + 1}))
                ->status,
            409U);
  auto c2 = connect(ctx);
  ASSERT_TRUE(c2.has_value());
  EXPECT_EQ(c2->request("POST", wire::kGenerationPath, R"({"version":1})")->status, 400U);
  EXPECT_EQ(sas(), before);
  EXPECT_EQ(saved("branch-1"), state_before);
  // A repeated good ack is a no-op that says the edge is on it.
  const HttpResponse again = ack(*c2, g->offer);
  EXPECT_EQ(again.status, 200U);
  EXPECT_EQ(wire::decode_ack_response(again.body).value(), (wire::AckResponse{1, true}));
  EXPECT_EQ(sas(), before);
}

TEST_F(EdgeServerTest, AStalledClientHitsTheDeadline) {
  start([](keysvc::EdgeServerOptions& o) {
    o.io_timeout = std::chrono::milliseconds(300);
    o.handshake_timeout = std::chrono::milliseconds(300);
  });
  // After the handshake: no request.
  auto c = connect(client_context(&branch1_));
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->wait_closed());  // within the client's own 5 s bound
  // Before the handshake: TCP only.
  auto raw = KeyServiceClient::connect_tcp(port());
  ASSERT_TRUE(raw.has_value());
  char byte = 0;
  EXPECT_EQ(::recv(raw->get(), &byte, 1, 0), 0) << "the server closes a silent connection";
  // Beast's deadline closes the socket itself; the session counts the timeout right after.
  ASSERT_TRUE(wait_until_no_connections());
  EXPECT_EQ(metric("edge_timeouts_total", "stage=\"read\""), 1);
  EXPECT_EQ(metric("edge_timeouts_total", "stage=\"handshake\""), 1);
}

TEST_F(EdgeServerTest, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  start([](keysvc::EdgeServerOptions& o) { o.admission.max_connections = 2; });
  const auto ctx = client_context(&branch1_);
  auto a = connect(ctx);
  auto b = connect(ctx);
  ASSERT_TRUE(a.has_value() && b.has_value());
  // Both are a site's (the server finished their handshakes), so the third is over the
  // limit and nothing can make room for it.
  ASSERT_TRUE(wait_until([&] {
    return server_->open_connections() == 2 &&
           metrics_.value("edge_unauthenticated_connections") == 0;
  }));
  auto c = connect(ctx);
  EXPECT_FALSE(c.has_value());
  EXPECT_EQ(metric("edge_connections_refused_total", "reason=\"max_connections\""), 1);
  // The two admitted ones still work.
  EXPECT_TRUE(exchange(*a, "branch-1", 0, 0x1000).has_value());
}

// A compromised site (its own certificate) asking again and again on one connection, each
// time with a new agent SPI, as fast as it can: the site's limits answer 429 busy with a
// Retry-After once too many generations are outstanding, so the edge holds a bounded number
// of inbound SAs for it; another site is not affected; and no request makes the edge issue
// a generation number above what the wire carries.
TEST_F(EdgeServerTest, RepeatedGenerationRequestsAreLimitedPerSite) {
  start();
  const auto ctx = client_context(&branch1_);
  auto c = connect(ctx);
  ASSERT_TRUE(c.has_value());
  int offers = 0;
  std::optional<HttpResponse> busy;
  for (std::uint32_t i = 0; i < 30; ++i) {
    auto r = c->request("POST", wire::kGenerationPath, request_body(0, 0x1000 + i));
    ASSERT_TRUE(r.has_value()) << r.error().message();
    if (!r->keep_alive) {
      c = connect(ctx);  // the edge closed it (its request cap): the site comes back
      ASSERT_TRUE(c.has_value());
    }
    if (r->status == 200U) {
      ++offers;
    } else if (!busy) {
      busy = *r;
    }
  }
  ASSERT_TRUE(busy.has_value()) << offers << " offers and no refusal";
  EXPECT_EQ(busy->status, 429U) << busy->body;
  EXPECT_EQ(error_code(*busy), "busy");
  ASSERT_TRUE(busy->retry_after.has_value());
  EXPECT_GE(std::stoi(*busy->retry_after), 1);
  const auto all = sas();
  const auto inbound = std::count_if(all.begin(), all.end(),
                                     [](const std::string& s) { return s.starts_with("in:"); });
  EXPECT_LE(inbound, 8);  // [limits] max_outstanding_generations, by default
  EXPECT_EQ(offers, static_cast<int>(inbound));
  EXPECT_GE(metric("edge_site_limit_refusals_total", "site=\"branch-1\",limit=\"outstanding\""), 1);

  // The other site rotates as usual.
  auto other = connect(client_context(&branch2_));
  ASSERT_TRUE(other.has_value());
  EXPECT_TRUE(exchange(*other, "branch-2", 0, 0x5000).has_value());

  // current_generation 2^53 - 1 would make the edge issue 2^53, which no agent accepts.
  c = connect(ctx);
  ASSERT_TRUE(c.has_value());
  auto top = c->request("POST", wire::kGenerationPath, request_body(wire::kMaxJsonInteger, 0x2000));
  ASSERT_TRUE(top.has_value());
  EXPECT_EQ(top->status, 400U) << top->body;
  EXPECT_EQ(error_code(*top), "bad_request");
  EXPECT_LT(saved("branch-1").last_issued, wire::kMaxJsonInteger);
}

TEST_F(EdgeServerTest, AKeptAliveConnectionIsClosedAfterItsIdleTimeAndItsRequestCap) {
  start([](keysvc::EdgeServerOptions& o) {
    o.idle_timeout = std::chrono::milliseconds(200);
    o.max_requests = 2;
  });
  const auto ctx = client_context(&branch1_);
  auto idle = connect(ctx);
  ASSERT_TRUE(idle.has_value());
  ASSERT_TRUE(exchange(*idle, "branch-1", 0, 0x1000).has_value());
  EXPECT_TRUE(idle->wait_closed());  // no second request within the idle time
  auto busy = connect(ctx);
  ASSERT_TRUE(busy.has_value());
  ASSERT_TRUE(exchange(*busy, "branch-1", 0, 0x1001).has_value());
  auto second = busy->request("POST", wire::kGenerationPath, request_body(0, 0x1002));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 200U);
  EXPECT_FALSE(second->keep_alive);  // the second of at most two: "Connection: close"
  EXPECT_TRUE(busy->wait_closed());
  ASSERT_TRUE(wait_until_no_connections());
  EXPECT_EQ(metric("edge_timeouts_total", "stage=\"idle\""), 1);
  EXPECT_EQ(metric("edge_connections_closed_total", "reason=\"max_requests\""), 1);
}

TEST_F(EdgeServerTest, AFullUnauthenticatedPoolMakesRoomForASite) {
  start([](keysvc::EdgeServerOptions& o) {
    o.admission.max_unauthenticated = 3;
    o.admission.max_unauthenticated_per_source = 4;
  });
  std::vector<xfrm::UniqueFd> idle;
  for (int i = 0; i < 3; ++i) {
    auto fd = KeyServiceClient::connect_tcp(port());
    ASSERT_TRUE(fd.has_value());
    idle.push_back(std::move(*fd));
    ASSERT_TRUE(wait_until([&] { return server_->open_connections() == idle.size(); }));
  }
  // A site's agent finds the unauthenticated pool full: the oldest idle socket of the
  // busiest address (here the only one) is closed, and the agent is served.
  auto site = connect(client_context(&branch1_));
  ASSERT_TRUE(site.has_value()) << site.error().message();
  EXPECT_TRUE(exchange(*site, "branch-1", 0, 0x1000).has_value());
  char byte = 0;
  EXPECT_EQ(::recv(idle[0].get(), &byte, 1, 0), 0) << "the oldest idle socket was closed";
  EXPECT_EQ(metric("edge_connections_evicted_total", "pool=\"unauthenticated\""), 1);
}

TEST_F(EdgeServerTest, OneAddressHoldsAtMostItsShareOfUnauthenticatedConnections) {
  start([](keysvc::EdgeServerOptions& o) { o.admission.max_unauthenticated_per_source = 2; });
  std::vector<xfrm::UniqueFd> idle;
  for (int i = 0; i < 2; ++i) {
    auto fd = KeyServiceClient::connect_tcp(port());
    ASSERT_TRUE(fd.has_value());
    idle.push_back(std::move(*fd));
    ASSERT_TRUE(wait_until([&] { return server_->open_connections() == idle.size(); }));
  }
  auto extra = KeyServiceClient::connect_tcp(port());
  ASSERT_TRUE(extra.has_value());
  char byte = 0;
  EXPECT_EQ(::recv(extra->get(), &byte, 1, 0), 0) << "closed at once, before any TLS";
  EXPECT_EQ(metric("edge_connections_refused_total", "reason=\"per_source_unauthenticated\""), 1);
  // Once one of them goes, the address may connect again.
  idle.pop_back();
  ASSERT_TRUE(wait_until([&] { return server_->open_connections() == 1; }));
  auto site = connect(client_context(&branch1_));
  ASSERT_TRUE(site.has_value()) << site.error().message();
  EXPECT_TRUE(exchange(*site, "branch-1", 0, 0x1000).has_value());
}

// A UDP socket on loopback, as the agent's NAT-T socket would send from.
struct UdpSocket {
  xfrm::UniqueFd fd{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  std::uint16_t port = 0;
  UdpSocket() {
    sockaddr_in self{};
    self.sin_family = AF_INET;
    self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&self), sizeof self);  // NOLINT
    socklen_t len = sizeof self;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&self), &len);  // NOLINT
    port = ntohs(self.sin_port);
  }
  bool send_to(std::uint16_t to_port, std::span<const std::uint8_t> bytes) const {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(to_port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::sendto(fd.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                    sizeof to) ==  // NOLINT
           static_cast<ssize_t>(bytes.size());
  }
};

// GET /v1/nat-token and K_nat from the same connection's exporter.
std::optional<std::pair<wire::NatToken, core::SecureBytes>> nat_token(KeyServiceClient& c) {
  auto r = c.request("GET", wire::kNatTokenPath);
  EXPECT_TRUE(r.has_value() && r->status == 200U);
  if (!r || r->status != 200U) return std::nullopt;
  auto t = wire::decode_nat_token_response(r->body);
  EXPECT_TRUE(t.has_value()) << r->body;
  if (!t) return std::nullopt;
  auto key =
      crypto::export_keying_material(c.ssl(), keysvc::kNatExporterLabel,
                                     keysvc::nat_exporter_context(t->token), wire::kNatKeyBytes);
  EXPECT_TRUE(key.has_value());
  if (!key) return std::nullopt;
  return std::make_pair(t->token, std::move(*key));
}

TEST_F(EdgeServerTest, TheNatHelloGivesThePublicAddressAndPort) {
  config_.sites[0].remote_address.reset();  // behind a NAT: the address comes from the hello
  start();
  const std::uint16_t nat_port = on_io([&] { return server_->nat_port(); });
  ASSERT_NE(nat_port, 0);
  auto c = connect(client_context(&branch1_));
  ASSERT_TRUE(c.has_value());
  auto token = nat_token(*c);
  ASSERT_TRUE(token.has_value());
  const UdpSocket udp;
  // A hello with the wrong key first: ignored and counted. (Datagrams of one socket arrive
  // in order, so it has been judged by the time the good one is accepted.)
  const core::SecureBytes wrong(wire::kNatKeyBytes);
  EXPECT_TRUE(udp.send_to(nat_port, wire::encode_nat_hello(token->first, wrong).value()));
  EXPECT_TRUE(udp.send_to(nat_port, wire::encode_nat_hello(token->first, token->second).value()));
  auto r = c->request("POST", wire::kGenerationPath, request_body(0, 0x1000, std::uint16_t{4500}));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 200U) << r->body;
  const GenerationOffer offer = keysvc::decode_offer(r->body).value();
  // The hello came from 127.0.0.1:<udp.port>, not from port 4500: a NAT, so the generation
  // is encapsulated towards what the edge saw.
  EXPECT_EQ(offer.tunnel.agent_address, ip("127.0.0.1"));
  ASSERT_TRUE(offer.encap.has_value());
  EXPECT_EQ(offer.encap->dst_port, udp.port);
  EXPECT_EQ(offer.encap->src_port, 4500);
  const auto in_sa = on_io([&] { return kernel_.get_sa(sa_id(kEdgeOuter, offer.edge_spi)); });
  ASSERT_TRUE(in_sa.has_value());
  EXPECT_EQ(in_sa->src, ip("127.0.0.1"));
  ASSERT_TRUE(in_sa->encap.has_value());
  EXPECT_EQ(in_sa->encap->src_port, udp.port);
  EXPECT_EQ(metric("edge_nat_hellos_total", "verdict=\"bad_mac\""), 1);
  EXPECT_EQ(metric("edge_nat_hellos_total", "verdict=\"accepted\""), 1);
}

TEST_F(EdgeServerTest, WithoutAHelloTheRequestGetsNatHelloMissing) {
  start([](keysvc::EdgeServerOptions& o) { o.nat_hello_wait = std::chrono::milliseconds(200); });
  auto c = connect(client_context(&branch1_));
  ASSERT_TRUE(c.has_value());
  ASSERT_TRUE(nat_token(*c).has_value());
  auto r = c->request("POST", wire::kGenerationPath, request_body(0, 0x1000, std::uint16_t{4500}));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 409U);
  EXPECT_EQ(error_code(*r), "nat_hello_missing");
  EXPECT_TRUE(sas().empty());
  EXPECT_EQ(saved("branch-1").last_issued, 0U);
}

}  // namespace
}  // namespace pqbranch::test
