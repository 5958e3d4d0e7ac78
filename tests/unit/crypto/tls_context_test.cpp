#include "pqbranch/crypto/tls_context.hpp"

#include <filesystem>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/tls_handshake.hpp"

#include "fakes/test_pki.hpp"

namespace pqbranch::crypto {
namespace {

namespace fs = std::filesystem;

TEST(GroupPolicy, DefaultIsX25519MlKem768Only) {
  const GroupPolicy p;
  EXPECT_EQ(p.groups, std::vector<std::string>{"X25519MLKEM768"});
  EXPECT_FALSE(p.allow_classical);
  EXPECT_TRUE(validate(p));
}

TEST(GroupPolicy, AcceptsEveryHybridGroup) {
  EXPECT_TRUE(validate({{"SecP384r1MLKEM1024", "SecP256r1MLKEM768", "X25519MLKEM768"}, false}));
}

TEST(GroupPolicy, ClassicalGroupNeedsAllowClassical) {
  auto r = validate({{"X25519MLKEM768", "X25519"}, false});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::classical_not_allowed);
  EXPECT_NE(r.error().detail.find("X25519"), std::string::npos);
  EXPECT_TRUE(validate({{"X25519MLKEM768", "X25519"}, true}));
  EXPECT_TRUE(validate({{"X25519"}, true}));
}

TEST(GroupPolicy, RefusesUnknownEmptyDuplicateAndPureMlKem) {
  EXPECT_EQ(validate({{}, false}).error(), errc::bad_group);
  EXPECT_EQ(validate({{"X25519MLKEM768", "X25519MLKEM768"}, false}).error(), errc::bad_group);
  EXPECT_EQ(validate({{"DEFAULT"}, true}).error(), errc::bad_group);
  EXPECT_EQ(validate({{"?X25519MLKEM768"}, false}).error(), errc::bad_group);
  EXPECT_EQ(validate({{"MLKEM768"}, true}).error(), errc::bad_group);  // not hybrid
  // Case does not matter (as in OpenSSL), but a name in two spellings is still a duplicate.
  EXPECT_TRUE(validate({{"x25519mlkem768"}, false}));
  EXPECT_EQ(validate({{"X25519MLKEM768", "x25519mlkem768"}, false}).error(), errc::bad_group);
}

TEST(GroupPolicy, NamesCompareWithoutCase) {
  EXPECT_TRUE(is_classical_group("x25519"));  // OpenSSL's own spelling
  EXPECT_EQ(canonical_group_name("x25519"), "X25519");
  EXPECT_EQ(canonical_group_name("X25519MLKEM768"), "X25519MLKEM768");
  EXPECT_EQ(canonical_group_name("brainpoolP256r1"), "brainpoolP256r1");
  EXPECT_TRUE(same_group("SecP256r1MLKEM768", "secp256r1mlkem768"));
  EXPECT_FALSE(same_group("X25519", "X448"));
}

class TlsContextTest : public ::testing::Test {
 protected:
  test::TestPki pki = test::TestPki::create(test::PkiAlgorithm::ml_dsa_65).value();
  test::IssuedCert edge = pki.issue("edge.example", test::CertRole::server).value();
  test::IssuedCert site = pki.issue("site-1", test::CertRole::client).value();
};

TEST_F(TlsContextTest, ContextsAreTls13OnlyWithoutEarlyDataOrNoDheResumption) {
  for (const bool server : {true, false}) {
    auto ctx = server ? make_server_context(pki.tls_options(edge))
                      : make_client_context(pki.tls_options(site));
    ASSERT_TRUE(ctx) << ctx.error().message();
    SSL_CTX* c = ctx->get();
    EXPECT_EQ(SSL_CTX_get_min_proto_version(c), TLS1_3_VERSION);
    EXPECT_EQ(SSL_CTX_get_max_proto_version(c), TLS1_3_VERSION);
    EXPECT_EQ(SSL_CTX_get_options(c) & SSL_OP_ALLOW_NO_DHE_KEX, 0U);
    EXPECT_EQ(SSL_CTX_get_options(c) & SSL_OP_PREFER_NO_DHE_KEX, 0U);
    EXPECT_EQ(SSL_CTX_get_max_early_data(c), 0U);
    EXPECT_EQ(SSL_CTX_get_recv_max_early_data(c), 0U);
    const int mode = SSL_CTX_get_verify_mode(c);
    EXPECT_NE(mode & SSL_VERIFY_PEER, 0);
    EXPECT_EQ((mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT) != 0, server);
  }
}

TEST_F(TlsContextTest, BadGroupListsAreRefusedBeforeOpenSslSeesThem) {
  auto o = pki.tls_options(edge);
  o.group_policy = {{"X25519"}, false};
  EXPECT_EQ(make_server_context(o).error(), errc::classical_not_allowed);
  o.group_policy = {{"DEFAULT"}, false};
  EXPECT_EQ(make_client_context(o).error(), errc::bad_group);
  o.group_policy = {{"X25519"}, true};
  EXPECT_TRUE(make_server_context(o));
}

TEST_F(TlsContextTest, SignatureAlgorithmsOutsideTheAllowListAreRefused) {
  auto o = pki.tls_options(edge);
  for (const char* bad : {"rsa_pkcs1_sha256", "ecdsa_sha1", "rsa_pss_rsae_sha256", "RSA+SHA1"}) {
    o.signature_algorithms = {"mldsa65", bad};
    auto r = make_server_context(o);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), errc::bad_signature_algorithm);
    EXPECT_NE(r.error().detail.find(bad), std::string::npos);
  }
  o.signature_algorithms = {};
  EXPECT_EQ(make_server_context(o).error(), errc::bad_signature_algorithm);
}

TEST_F(TlsContextTest, MissingFilesAreNamed) {
  auto o = pki.tls_options(edge);
  o.ca_file = pki.dir() / "no-ca.pem";
  auto r = make_server_context(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::file_unreadable);
  EXPECT_NE(r.error().message().find("CA file " + o.ca_file.string()), std::string::npos);

  o = pki.tls_options(edge);
  o.certificate_file = pki.dir() / "no-cert.pem";
  r = make_server_context(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("certificate file " + o.certificate_file.string()),
            std::string::npos);

  o = pki.tls_options(edge);
  o.private_key_file = pki.dir() / "no.key";
  r = make_server_context(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("key file " + o.private_key_file.string()), std::string::npos);
}

TEST_F(TlsContextTest, KeyFileReadableByOthersIsRefused) {
  fs::permissions(edge.private_key, static_cast<fs::perms>(0644));
  auto r = make_server_context(pki.tls_options(edge));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::key_file_permissions);
  EXPECT_NE(r.error().detail.find("0644"), std::string::npos);
}

TEST_F(TlsContextTest, CertificateThatIsNotPemOrDoesNotMatchTheKeyIsRefused) {
  auto o = pki.tls_options(edge);
  o.private_key_file = site.private_key;  // another key
  auto r = make_server_context(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::bad_certificate);
  EXPECT_NE(r.error().detail.find("does not match"), std::string::npos);

  o = pki.tls_options(edge);
  o.certificate_file = edge.private_key;  // a key where a certificate belongs
  r = make_server_context(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::bad_certificate);
  EXPECT_NE(r.error().detail.find("no PEM certificate"), std::string::npos);
}

TEST_F(TlsContextTest, ServerNeedsACertificateClientMayGoWithout) {
  auto o = pki.tls_options(edge);
  o.certificate_file.clear();
  o.private_key_file.clear();
  EXPECT_EQ(make_server_context(o).error(), errc::file_unreadable);
  EXPECT_TRUE(make_client_context(o));
}

TEST_F(TlsContextTest, NothingToInspectOrExportBeforeAHandshake) {
  auto ctx = make_client_context(pki.tls_options(site)).value();
  const Ssl ssl(SSL_new(ctx.get()));
  ASSERT_TRUE(ssl);
  EXPECT_EQ(inspect_handshake(ssl.get()).error(), errc::no_handshake);
  EXPECT_EQ(export_keying_material(ssl.get(), "EXPORTER-pqbranch", {}, 32).error(),
            errc::no_handshake);
}

TEST_F(TlsContextTest, APeerNameIsAlwaysCheckedButOnlyADnsNameIsSentAsSni) {
  auto ctx = make_client_context(pki.tls_options(site)).value();
  const Ssl dns(SSL_new(ctx.get()));
  ASSERT_TRUE(set_peer_name(dns.get(), "edge.example"));
  EXPECT_STREQ(SSL_get_servername(dns.get(), TLSEXT_NAMETYPE_host_name), "edge.example");
  EXPECT_STREQ(X509_VERIFY_PARAM_get0_host(SSL_get0_param(dns.get()), 0), "edge.example");

  for (const char* address : {"192.0.2.1", "2001:db8::1"}) {
    const Ssl ip(SSL_new(ctx.get()));
    ASSERT_TRUE(set_peer_name(ip.get(), address));
    EXPECT_EQ(SSL_get_servername(ip.get(), TLSEXT_NAMETYPE_host_name), nullptr) << address;
    EXPECT_EQ(X509_VERIFY_PARAM_get0_host(SSL_get0_param(ip.get()), 0), nullptr) << address;
    char* expected = X509_VERIFY_PARAM_get1_ip_asc(SSL_get0_param(ip.get()));
    ASSERT_NE(expected, nullptr) << address;
    const std::string got(expected);
    OPENSSL_free(expected);
    // OpenSSL writes IPv6 back in its own spelling ("2001:DB8:0:0:0:0:0:1").
    if (std::string_view(address).find(':') == std::string_view::npos) {
      EXPECT_EQ(got, address);
    }
  }
  const Ssl empty(SSL_new(ctx.get()));
  EXPECT_EQ(set_peer_name(empty.get(), "").error(), errc::invalid_argument);
}

}  // namespace
}  // namespace pqbranch::crypto
